import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OperationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_STATE_UNSPECIFIED: _ClassVar[OperationState]
    OPERATION_STATE_EXECUTED: _ClassVar[OperationState]
    OPERATION_STATE_CANCELED: _ClassVar[OperationState]
    OPERATION_STATE_PROGRESS: _ClassVar[OperationState]

class PortfolioSubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PORTFOLIO_SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[PortfolioSubscriptionStatus]
    PORTFOLIO_SUBSCRIPTION_STATUS_SUCCESS: _ClassVar[PortfolioSubscriptionStatus]
    PORTFOLIO_SUBSCRIPTION_STATUS_ACCOUNT_NOT_FOUND: _ClassVar[PortfolioSubscriptionStatus]
    PORTFOLIO_SUBSCRIPTION_STATUS_INTERNAL_ERROR: _ClassVar[PortfolioSubscriptionStatus]

class PositionsAccountSubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSITIONS_SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[PositionsAccountSubscriptionStatus]
    POSITIONS_SUBSCRIPTION_STATUS_SUCCESS: _ClassVar[PositionsAccountSubscriptionStatus]
    POSITIONS_SUBSCRIPTION_STATUS_ACCOUNT_NOT_FOUND: _ClassVar[PositionsAccountSubscriptionStatus]
    POSITIONS_SUBSCRIPTION_STATUS_INTERNAL_ERROR: _ClassVar[PositionsAccountSubscriptionStatus]
OPERATION_STATE_UNSPECIFIED: OperationState
OPERATION_STATE_EXECUTED: OperationState
OPERATION_STATE_CANCELED: OperationState
OPERATION_STATE_PROGRESS: OperationState
PORTFOLIO_SUBSCRIPTION_STATUS_UNSPECIFIED: PortfolioSubscriptionStatus
PORTFOLIO_SUBSCRIPTION_STATUS_SUCCESS: PortfolioSubscriptionStatus
PORTFOLIO_SUBSCRIPTION_STATUS_ACCOUNT_NOT_FOUND: PortfolioSubscriptionStatus
PORTFOLIO_SUBSCRIPTION_STATUS_INTERNAL_ERROR: PortfolioSubscriptionStatus
POSITIONS_SUBSCRIPTION_STATUS_UNSPECIFIED: PositionsAccountSubscriptionStatus
POSITIONS_SUBSCRIPTION_STATUS_SUCCESS: PositionsAccountSubscriptionStatus
POSITIONS_SUBSCRIPTION_STATUS_ACCOUNT_NOT_FOUND: PositionsAccountSubscriptionStatus
POSITIONS_SUBSCRIPTION_STATUS_INTERNAL_ERROR: PositionsAccountSubscriptionStatus

class PortfolioRequest(_message.Message):
    __slots__ = ("account_id", "currency")
    class CurrencyRequest(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        RUB: _ClassVar[PortfolioRequest.CurrencyRequest]
        USD: _ClassVar[PortfolioRequest.CurrencyRequest]
        EUR: _ClassVar[PortfolioRequest.CurrencyRequest]
    RUB: PortfolioRequest.CurrencyRequest
    USD: PortfolioRequest.CurrencyRequest
    EUR: PortfolioRequest.CurrencyRequest
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    currency: PortfolioRequest.CurrencyRequest
    def __init__(self, account_id: _Optional[str] = ..., currency: _Optional[_Union[PortfolioRequest.CurrencyRequest, str]] = ...) -> None: ...

class PortfolioResponse(_message.Message):
    __slots__ = ("total_amount_shares", "total_amount_bonds", "total_amount_etf", "total_amount_currencies", "total_amount_futures", "expected_yield", "positions", "account_id", "total_amount_options", "total_amount_sp", "total_amount_portfolio", "virtual_positions", "daily_yield", "daily_yield_relative")
    TOTAL_AMOUNT_SHARES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_BONDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_ETF_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_CURRENCIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_FUTURES_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIELD_NUMBER: _ClassVar[int]
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_SP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_AMOUNT_PORTFOLIO_FIELD_NUMBER: _ClassVar[int]
    VIRTUAL_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    DAILY_YIELD_FIELD_NUMBER: _ClassVar[int]
    DAILY_YIELD_RELATIVE_FIELD_NUMBER: _ClassVar[int]
    total_amount_shares: _common_pb2.MoneyValue
    total_amount_bonds: _common_pb2.MoneyValue
    total_amount_etf: _common_pb2.MoneyValue
    total_amount_currencies: _common_pb2.MoneyValue
    total_amount_futures: _common_pb2.MoneyValue
    expected_yield: _common_pb2.Quotation
    positions: _containers.RepeatedCompositeFieldContainer[PortfolioPosition]
    account_id: str
    total_amount_options: _common_pb2.MoneyValue
    total_amount_sp: _common_pb2.MoneyValue
    total_amount_portfolio: _common_pb2.MoneyValue
    virtual_positions: _containers.RepeatedCompositeFieldContainer[VirtualPortfolioPosition]
    daily_yield: _common_pb2.MoneyValue
    daily_yield_relative: _common_pb2.Quotation
    def __init__(self, total_amount_shares: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., total_amount_bonds: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., total_amount_etf: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., total_amount_currencies: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., total_amount_futures: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., expected_yield: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., positions: _Optional[_Iterable[_Union[PortfolioPosition, _Mapping]]] = ..., account_id: _Optional[str] = ..., total_amount_options: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., total_amount_sp: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., total_amount_portfolio: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., virtual_positions: _Optional[_Iterable[_Union[VirtualPortfolioPosition, _Mapping]]] = ..., daily_yield: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., daily_yield_relative: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ...) -> None: ...

class PortfolioPosition(_message.Message):
    __slots__ = ("figi", "instrument_type", "quantity", "average_position_price", "expected_yield", "current_nkd", "average_position_price_pt", "current_price", "average_position_price_fifo", "quantity_lots", "blocked", "blocked_lots", "position_uid", "instrument_uid", "var_margin", "expected_yield_fifo", "daily_yield", "ticker", "class_code")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_POSITION_PRICE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIELD_NUMBER: _ClassVar[int]
    CURRENT_NKD_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_POSITION_PRICE_PT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_POSITION_PRICE_FIFO_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_LOTS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_LOTS_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    VAR_MARGIN_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIFO_FIELD_NUMBER: _ClassVar[int]
    DAILY_YIELD_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    figi: str
    instrument_type: str
    quantity: _common_pb2.Quotation
    average_position_price: _common_pb2.MoneyValue
    expected_yield: _common_pb2.Quotation
    current_nkd: _common_pb2.MoneyValue
    average_position_price_pt: _common_pb2.Quotation
    current_price: _common_pb2.MoneyValue
    average_position_price_fifo: _common_pb2.MoneyValue
    quantity_lots: _common_pb2.Quotation
    blocked: bool
    blocked_lots: _common_pb2.Quotation
    position_uid: str
    instrument_uid: str
    var_margin: _common_pb2.MoneyValue
    expected_yield_fifo: _common_pb2.Quotation
    daily_yield: _common_pb2.MoneyValue
    ticker: str
    class_code: str
    def __init__(self, figi: _Optional[str] = ..., instrument_type: _Optional[str] = ..., quantity: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., average_position_price: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., expected_yield: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., current_nkd: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., average_position_price_pt: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., current_price: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., average_position_price_fifo: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., quantity_lots: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., blocked: _Optional[bool] = ..., blocked_lots: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., position_uid: _Optional[str] = ..., instrument_uid: _Optional[str] = ..., var_margin: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., expected_yield_fifo: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., daily_yield: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ...) -> None: ...

class VirtualPortfolioPosition(_message.Message):
    __slots__ = ("position_uid", "instrument_uid", "figi", "instrument_type", "quantity", "average_position_price", "expected_yield", "expected_yield_fifo", "expire_date", "current_price", "average_position_price_fifo", "daily_yield", "ticker", "class_code")
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    FIGI_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_POSITION_PRICE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_YIELD_FIFO_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_DATE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_POSITION_PRICE_FIFO_FIELD_NUMBER: _ClassVar[int]
    DAILY_YIELD_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    position_uid: str
    instrument_uid: str
    figi: str
    instrument_type: str
    quantity: _common_pb2.Quotation
    average_position_price: _common_pb2.MoneyValue
    expected_yield: _common_pb2.Quotation
    expected_yield_fifo: _common_pb2.Quotation
    expire_date: _timestamp_pb2.Timestamp
    current_price: _common_pb2.MoneyValue
    average_position_price_fifo: _common_pb2.MoneyValue
    daily_yield: _common_pb2.MoneyValue
    ticker: str
    class_code: str
    def __init__(self, position_uid: _Optional[str] = ..., instrument_uid: _Optional[str] = ..., figi: _Optional[str] = ..., instrument_type: _Optional[str] = ..., quantity: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., average_position_price: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., expected_yield: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., expected_yield_fifo: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., expire_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., current_price: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., average_position_price_fifo: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., daily_yield: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ...) -> None: ...

class PositionsRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class PositionsResponse(_message.Message):
    __slots__ = ("money", "blocked", "securities", "limits_loading_in_progress", "futures", "options", "account_id")
    MONEY_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    SECURITIES_FIELD_NUMBER: _ClassVar[int]
    LIMITS_LOADING_IN_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    FUTURES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    money: _containers.RepeatedCompositeFieldContainer[_common_pb2.MoneyValue]
    blocked: _containers.RepeatedCompositeFieldContainer[_common_pb2.MoneyValue]
    securities: _containers.RepeatedCompositeFieldContainer[PositionsSecurities]
    limits_loading_in_progress: bool
    futures: _containers.RepeatedCompositeFieldContainer[PositionsFutures]
    options: _containers.RepeatedCompositeFieldContainer[PositionsOptions]
    account_id: str
    def __init__(self, money: _Optional[_Iterable[_Union[_common_pb2.MoneyValue, _Mapping]]] = ..., blocked: _Optional[_Iterable[_Union[_common_pb2.MoneyValue, _Mapping]]] = ..., securities: _Optional[_Iterable[_Union[PositionsSecurities, _Mapping]]] = ..., limits_loading_in_progress: _Optional[bool] = ..., futures: _Optional[_Iterable[_Union[PositionsFutures, _Mapping]]] = ..., options: _Optional[_Iterable[_Union[PositionsOptions, _Mapping]]] = ..., account_id: _Optional[str] = ...) -> None: ...

class PositionsSecurities(_message.Message):
    __slots__ = ("figi", "blocked", "balance", "position_uid", "instrument_uid", "ticker", "class_code", "exchange_blocked", "instrument_type")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_BLOCKED_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    figi: str
    blocked: int
    balance: int
    position_uid: str
    instrument_uid: str
    ticker: str
    class_code: str
    exchange_blocked: bool
    instrument_type: str
    def __init__(self, figi: _Optional[str] = ..., blocked: _Optional[int] = ..., balance: _Optional[int] = ..., position_uid: _Optional[str] = ..., instrument_uid: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ..., exchange_blocked: _Optional[bool] = ..., instrument_type: _Optional[str] = ...) -> None: ...

class PositionsFutures(_message.Message):
    __slots__ = ("figi", "blocked", "balance", "position_uid", "instrument_uid", "ticker", "class_code")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    figi: str
    blocked: int
    balance: int
    position_uid: str
    instrument_uid: str
    ticker: str
    class_code: str
    def __init__(self, figi: _Optional[str] = ..., blocked: _Optional[int] = ..., balance: _Optional[int] = ..., position_uid: _Optional[str] = ..., instrument_uid: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ...) -> None: ...

class PositionsOptions(_message.Message):
    __slots__ = ("position_uid", "instrument_uid", "ticker", "class_code", "blocked", "balance")
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    position_uid: str
    instrument_uid: str
    ticker: str
    class_code: str
    blocked: int
    balance: int
    def __init__(self, position_uid: _Optional[str] = ..., instrument_uid: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ..., blocked: _Optional[int] = ..., balance: _Optional[int] = ...) -> None: ...

class WithdrawLimitsRequest(_message.Message):
    __slots__ = ("account_id",)
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    def __init__(self, account_id: _Optional[str] = ...) -> None: ...

class WithdrawLimitsResponse(_message.Message):
    __slots__ = ("money", "blocked", "blocked_guarantee")
    MONEY_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_GUARANTEE_FIELD_NUMBER: _ClassVar[int]
    money: _containers.RepeatedCompositeFieldContainer[_common_pb2.MoneyValue]
    blocked: _containers.RepeatedCompositeFieldContainer[_common_pb2.MoneyValue]
    blocked_guarantee: _containers.RepeatedCompositeFieldContainer[_common_pb2.MoneyValue]
    def __init__(self, money: _Optional[_Iterable[_Union[_common_pb2.MoneyValue, _Mapping]]] = ..., blocked: _Optional[_Iterable[_Union[_common_pb2.MoneyValue, _Mapping]]] = ..., blocked_guarantee: _Optional[_Iterable[_Union[_common_pb2.MoneyValue, _Mapping]]] = ...) -> None: ...

class OperationsRequest(_message.Message):
    __slots__ = ("account_id", "to", "state", "figi")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FIGI_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    to: _timestamp_pb2.Timestamp
    state: OperationState
    figi: str
    def __init__(self, account_id: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[OperationState, str]] = ..., figi: _Optional[str] = ..., **kwargs) -> None: ...

class OperationsResponse(_message.Message):
    __slots__ = ("operations",)
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[Operation]
    def __init__(self, operations: _Optional[_Iterable[_Union[Operation, _Mapping]]] = ...) -> None: ...

class Operation(_message.Message):
    __slots__ = ("id", "parent_operation_id", "currency", "payment", "price", "state", "quantity", "quantity_rest", "figi", "instrument_type", "date", "type", "trades", "asset_uid", "position_uid", "instrument_uid", "child_operations")
    ID_FIELD_NUMBER: _ClassVar[int]
    PARENT_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_REST_FIELD_NUMBER: _ClassVar[int]
    FIGI_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TRADES_FIELD_NUMBER: _ClassVar[int]
    ASSET_UID_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    CHILD_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    parent_operation_id: str
    currency: str
    payment: _common_pb2.MoneyValue
    price: _common_pb2.MoneyValue
    state: OperationState
    quantity: int
    quantity_rest: int
    figi: str
    instrument_type: str
    date: _timestamp_pb2.Timestamp
    type: str
    trades: _containers.RepeatedCompositeFieldContainer[OperationTrade]
    asset_uid: str
    position_uid: str
    instrument_uid: str
    child_operations: _containers.RepeatedCompositeFieldContainer[ChildOperationItem]
    def __init__(self, id: _Optional[str] = ..., parent_operation_id: _Optional[str] = ..., currency: _Optional[str] = ..., payment: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., price: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., state: _Optional[_Union[OperationState, str]] = ..., quantity: _Optional[int] = ..., quantity_rest: _Optional[int] = ..., figi: _Optional[str] = ..., instrument_type: _Optional[str] = ..., date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[str] = ..., trades: _Optional[_Iterable[_Union[OperationTrade, _Mapping]]] = ..., asset_uid: _Optional[str] = ..., position_uid: _Optional[str] = ..., instrument_uid: _Optional[str] = ..., child_operations: _Optional[_Iterable[_Union[ChildOperationItem, _Mapping]]] = ...) -> None: ...

class OperationTrade(_message.Message):
    __slots__ = ("trade_id", "date_time", "quantity", "price")
    TRADE_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_TIME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    trade_id: str
    date_time: _timestamp_pb2.Timestamp
    quantity: int
    price: _common_pb2.MoneyValue
    def __init__(self, trade_id: _Optional[str] = ..., date_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., quantity: _Optional[int] = ..., price: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ...) -> None: ...

class PortfolioStreamRequest(_message.Message):
    __slots__ = ("accounts", "ping_settings")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    PING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    ping_settings: _common_pb2.PingDelaySettings
    def __init__(self, accounts: _Optional[_Iterable[str]] = ..., ping_settings: _Optional[_Union[_common_pb2.PingDelaySettings, _Mapping]] = ...) -> None: ...

class PortfolioStreamResponse(_message.Message):
    __slots__ = ("subscriptions", "portfolio", "ping")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    PORTFOLIO_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    subscriptions: PortfolioSubscriptionResult
    portfolio: PortfolioResponse
    ping: _common_pb2.Ping
    def __init__(self, subscriptions: _Optional[_Union[PortfolioSubscriptionResult, _Mapping]] = ..., portfolio: _Optional[_Union[PortfolioResponse, _Mapping]] = ..., ping: _Optional[_Union[_common_pb2.Ping, _Mapping]] = ...) -> None: ...

class PortfolioSubscriptionResult(_message.Message):
    __slots__ = ("accounts", "tracking_id", "stream_id")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[AccountSubscriptionStatus]
    tracking_id: str
    stream_id: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[AccountSubscriptionStatus, _Mapping]]] = ..., tracking_id: _Optional[str] = ..., stream_id: _Optional[str] = ...) -> None: ...

class AccountSubscriptionStatus(_message.Message):
    __slots__ = ("account_id", "subscription_status")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    subscription_status: PortfolioSubscriptionStatus
    def __init__(self, account_id: _Optional[str] = ..., subscription_status: _Optional[_Union[PortfolioSubscriptionStatus, str]] = ...) -> None: ...

class PositionsStreamRequest(_message.Message):
    __slots__ = ("accounts", "with_initial_positions", "ping_settings")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    WITH_INITIAL_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    PING_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedScalarFieldContainer[str]
    with_initial_positions: bool
    ping_settings: _common_pb2.PingDelaySettings
    def __init__(self, accounts: _Optional[_Iterable[str]] = ..., with_initial_positions: _Optional[bool] = ..., ping_settings: _Optional[_Union[_common_pb2.PingDelaySettings, _Mapping]] = ...) -> None: ...

class PositionsStreamResponse(_message.Message):
    __slots__ = ("subscriptions", "position", "ping", "initial_positions")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    INITIAL_POSITIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: PositionsSubscriptionResult
    position: PositionData
    ping: _common_pb2.Ping
    initial_positions: PositionsResponse
    def __init__(self, subscriptions: _Optional[_Union[PositionsSubscriptionResult, _Mapping]] = ..., position: _Optional[_Union[PositionData, _Mapping]] = ..., ping: _Optional[_Union[_common_pb2.Ping, _Mapping]] = ..., initial_positions: _Optional[_Union[PositionsResponse, _Mapping]] = ...) -> None: ...

class PositionsSubscriptionResult(_message.Message):
    __slots__ = ("accounts", "tracking_id", "stream_id")
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    TRACKING_ID_FIELD_NUMBER: _ClassVar[int]
    STREAM_ID_FIELD_NUMBER: _ClassVar[int]
    accounts: _containers.RepeatedCompositeFieldContainer[PositionsSubscriptionStatus]
    tracking_id: str
    stream_id: str
    def __init__(self, accounts: _Optional[_Iterable[_Union[PositionsSubscriptionStatus, _Mapping]]] = ..., tracking_id: _Optional[str] = ..., stream_id: _Optional[str] = ...) -> None: ...

class PositionsSubscriptionStatus(_message.Message):
    __slots__ = ("account_id", "subscription_status")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    subscription_status: PositionsAccountSubscriptionStatus
    def __init__(self, account_id: _Optional[str] = ..., subscription_status: _Optional[_Union[PositionsAccountSubscriptionStatus, str]] = ...) -> None: ...

class PositionData(_message.Message):
    __slots__ = ("account_id", "money", "securities", "futures", "options", "date")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    MONEY_FIELD_NUMBER: _ClassVar[int]
    SECURITIES_FIELD_NUMBER: _ClassVar[int]
    FUTURES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    money: _containers.RepeatedCompositeFieldContainer[PositionsMoney]
    securities: _containers.RepeatedCompositeFieldContainer[PositionsSecurities]
    futures: _containers.RepeatedCompositeFieldContainer[PositionsFutures]
    options: _containers.RepeatedCompositeFieldContainer[PositionsOptions]
    date: _timestamp_pb2.Timestamp
    def __init__(self, account_id: _Optional[str] = ..., money: _Optional[_Iterable[_Union[PositionsMoney, _Mapping]]] = ..., securities: _Optional[_Iterable[_Union[PositionsSecurities, _Mapping]]] = ..., futures: _Optional[_Iterable[_Union[PositionsFutures, _Mapping]]] = ..., options: _Optional[_Iterable[_Union[PositionsOptions, _Mapping]]] = ..., date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PositionsMoney(_message.Message):
    __slots__ = ("available_value", "blocked_value")
    AVAILABLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_VALUE_FIELD_NUMBER: _ClassVar[int]
    available_value: _common_pb2.MoneyValue
    blocked_value: _common_pb2.MoneyValue
    def __init__(self, available_value: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., blocked_value: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ...) -> None: ...

class ChildOperationItem(_message.Message):
    __slots__ = ("instrument_uid", "payment")
    INSTRUMENT_UID_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    instrument_uid: str
    payment: _common_pb2.MoneyValue
    def __init__(self, instrument_uid: _Optional[str] = ..., payment: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ...) -> None: ...
