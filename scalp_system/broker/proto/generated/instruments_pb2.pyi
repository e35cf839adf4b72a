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

class InstrumentIdType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTRUMENT_ID_UNSPECIFIED: _ClassVar[InstrumentIdType]
    INSTRUMENT_ID_TYPE_FIGI: _ClassVar[InstrumentIdType]
    INSTRUMENT_ID_TYPE_TICKER: _ClassVar[InstrumentIdType]
    INSTRUMENT_ID_TYPE_UID: _ClassVar[InstrumentIdType]
    INSTRUMENT_ID_TYPE_POSITION_UID: _ClassVar[InstrumentIdType]

class InstrumentExchangeType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTRUMENT_EXCHANGE_UNSPECIFIED: _ClassVar[InstrumentExchangeType]
    INSTRUMENT_EXCHANGE_DEALER: _ClassVar[InstrumentExchangeType]

class ShareType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHARE_TYPE_UNSPECIFIED: _ClassVar[ShareType]
    SHARE_TYPE_COMMON: _ClassVar[ShareType]
    SHARE_TYPE_PREFERRED: _ClassVar[ShareType]
    SHARE_TYPE_ADR: _ClassVar[ShareType]
    SHARE_TYPE_GDR: _ClassVar[ShareType]
    SHARE_TYPE_MLP: _ClassVar[ShareType]
    SHARE_TYPE_NY_REG_SHRS: _ClassVar[ShareType]
    SHARE_TYPE_CLOSED_END_FUND: _ClassVar[ShareType]
    SHARE_TYPE_REIT: _ClassVar[ShareType]
INSTRUMENT_ID_UNSPECIFIED: InstrumentIdType
INSTRUMENT_ID_TYPE_FIGI: InstrumentIdType
INSTRUMENT_ID_TYPE_TICKER: InstrumentIdType
INSTRUMENT_ID_TYPE_UID: InstrumentIdType
INSTRUMENT_ID_TYPE_POSITION_UID: InstrumentIdType
INSTRUMENT_EXCHANGE_UNSPECIFIED: InstrumentExchangeType
INSTRUMENT_EXCHANGE_DEALER: InstrumentExchangeType
SHARE_TYPE_UNSPECIFIED: ShareType
SHARE_TYPE_COMMON: ShareType
SHARE_TYPE_PREFERRED: ShareType
SHARE_TYPE_ADR: ShareType
SHARE_TYPE_GDR: ShareType
SHARE_TYPE_MLP: ShareType
SHARE_TYPE_NY_REG_SHRS: ShareType
SHARE_TYPE_CLOSED_END_FUND: ShareType
SHARE_TYPE_REIT: ShareType

class InstrumentRequest(_message.Message):
    __slots__ = ("id_type", "class_code", "id")
    ID_TYPE_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    id_type: InstrumentIdType
    class_code: str
    id: str
    def __init__(self, id_type: _Optional[_Union[InstrumentIdType, str]] = ..., class_code: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class InstrumentsRequest(_message.Message):
    __slots__ = ("instrument_status", "instrument_exchange")
    INSTRUMENT_STATUS_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    instrument_status: _common_pb2.InstrumentStatus
    instrument_exchange: InstrumentExchangeType
    def __init__(self, instrument_status: _Optional[_Union[_common_pb2.InstrumentStatus, str]] = ..., instrument_exchange: _Optional[_Union[InstrumentExchangeType, str]] = ...) -> None: ...

class ShareResponse(_message.Message):
    __slots__ = ("instrument",)
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    instrument: Share
    def __init__(self, instrument: _Optional[_Union[Share, _Mapping]] = ...) -> None: ...

class SharesResponse(_message.Message):
    __slots__ = ("instruments",)
    INSTRUMENTS_FIELD_NUMBER: _ClassVar[int]
    instruments: _containers.RepeatedCompositeFieldContainer[Share]
    def __init__(self, instruments: _Optional[_Iterable[_Union[Share, _Mapping]]] = ...) -> None: ...

class Share(_message.Message):
    __slots__ = ("figi", "ticker", "class_code", "isin", "lot", "currency", "klong", "kshort", "dlong", "dshort", "dlong_min", "dshort_min", "short_enabled_flag", "name", "exchange", "ipo_date", "issue_size", "country_of_risk", "country_of_risk_name", "sector", "issue_size_plan", "nominal", "trading_status", "otc_flag", "buy_available_flag", "sell_available_flag", "div_yield_flag", "share_type", "min_price_increment", "api_trade_available_flag", "uid", "real_exchange", "position_uid", "asset_uid", "instrument_exchange", "required_tests", "for_iis_flag", "for_qual_investor_flag", "weekend_flag", "blocked_tca_flag", "liquidity_flag", "first_1min_candle_date", "first_1day_candle_date", "brand", "dlong_client", "dshort_client")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    ISIN_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    KLONG_FIELD_NUMBER: _ClassVar[int]
    KSHORT_FIELD_NUMBER: _ClassVar[int]
    DLONG_FIELD_NUMBER: _ClassVar[int]
    DSHORT_FIELD_NUMBER: _ClassVar[int]
    DLONG_MIN_FIELD_NUMBER: _ClassVar[int]
    DSHORT_MIN_FIELD_NUMBER: _ClassVar[int]
    SHORT_ENABLED_FLAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    IPO_DATE_FIELD_NUMBER: _ClassVar[int]
    ISSUE_SIZE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_OF_RISK_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_OF_RISK_NAME_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    ISSUE_SIZE_PLAN_FIELD_NUMBER: _ClassVar[int]
    NOMINAL_FIELD_NUMBER: _ClassVar[int]
    TRADING_STATUS_FIELD_NUMBER: _ClassVar[int]
    OTC_FLAG_FIELD_NUMBER: _ClassVar[int]
    BUY_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    SELL_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    DIV_YIELD_FLAG_FIELD_NUMBER: _ClassVar[int]
    SHARE_TYPE_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_INCREMENT_FIELD_NUMBER: _ClassVar[int]
    API_TRADE_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    REAL_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    ASSET_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_TESTS_FIELD_NUMBER: _ClassVar[int]
    FOR_IIS_FLAG_FIELD_NUMBER: _ClassVar[int]
    FOR_QUAL_INVESTOR_FLAG_FIELD_NUMBER: _ClassVar[int]
    WEEKEND_FLAG_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_TCA_FLAG_FIELD_NUMBER: _ClassVar[int]
    LIQUIDITY_FLAG_FIELD_NUMBER: _ClassVar[int]
    FIRST_1MIN_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_1DAY_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    DLONG_CLIENT_FIELD_NUMBER: _ClassVar[int]
    DSHORT_CLIENT_FIELD_NUMBER: _ClassVar[int]
    figi: str
    ticker: str
    class_code: str
    isin: str
    lot: int
    currency: str
    klong: _common_pb2.Quotation
    kshort: _common_pb2.Quotation
    dlong: _common_pb2.Quotation
    dshort: _common_pb2.Quotation
    dlong_min: _common_pb2.Quotation
    dshort_min: _common_pb2.Quotation
    short_enabled_flag: bool
    name: str
    exchange: str
    ipo_date: _timestamp_pb2.Timestamp
    issue_size: int
    country_of_risk: str
    country_of_risk_name: str
    sector: str
    issue_size_plan: int
    nominal: _common_pb2.MoneyValue
    trading_status: _common_pb2.SecurityTradingStatus
    otc_flag: bool
    buy_available_flag: bool
    sell_available_flag: bool
    div_yield_flag: bool
    share_type: ShareType
    min_price_increment: _common_pb2.Quotation
    api_trade_available_flag: bool
    uid: str
    real_exchange: _common_pb2.RealExchange
    position_uid: str
    asset_uid: str
    instrument_exchange: InstrumentExchangeType
    required_tests: _containers.RepeatedScalarFieldContainer[str]
    for_iis_flag: bool
    for_qual_investor_flag: bool
    weekend_flag: bool
    blocked_tca_flag: bool
    liquidity_flag: bool
    first_1min_candle_date: _timestamp_pb2.Timestamp
    first_1day_candle_date: _timestamp_pb2.Timestamp
    brand: _common_pb2.BrandData
    dlong_client: _common_pb2.Quotation
    dshort_client: _common_pb2.Quotation
    def __init__(self, figi: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ..., isin: _Optional[str] = ..., lot: _Optional[int] = ..., currency: _Optional[str] = ..., klong: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., kshort: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dlong: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dlong_min: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort_min: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., short_enabled_flag: _Optional[bool] = ..., name: _Optional[str] = ..., exchange: _Optional[str] = ..., ipo_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issue_size: _Optional[int] = ..., country_of_risk: _Optional[str] = ..., country_of_risk_name: _Optional[str] = ..., sector: _Optional[str] = ..., issue_size_plan: _Optional[int] = ..., nominal: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., trading_status: _Optional[_Union[_common_pb2.SecurityTradingStatus, str]] = ..., otc_flag: _Optional[bool] = ..., buy_available_flag: _Optional[bool] = ..., sell_available_flag: _Optional[bool] = ..., div_yield_flag: _Optional[bool] = ..., share_type: _Optional[_Union[ShareType, str]] = ..., min_price_increment: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., api_trade_available_flag: _Optional[bool] = ..., uid: _Optional[str] = ..., real_exchange: _Optional[_Union[_common_pb2.RealExchange, str]] = ..., position_uid: _Optional[str] = ..., asset_uid: _Optional[str] = ..., instrument_exchange: _Optional[_Union[InstrumentExchangeType, str]] = ..., required_tests: _Optional[_Iterable[str]] = ..., for_iis_flag: _Optional[bool] = ..., for_qual_investor_flag: _Optional[bool] = ..., weekend_flag: _Optional[bool] = ..., blocked_tca_flag: _Optional[bool] = ..., liquidity_flag: _Optional[bool] = ..., first_1min_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_1day_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., brand: _Optional[_Union[_common_pb2.BrandData, _Mapping]] = ..., dlong_client: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort_client: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ...) -> None: ...

class FutureResponse(_message.Message):
    __slots__ = ("instrument",)
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    instrument: Future
    def __init__(self, instrument: _Optional[_Union[Future, _Mapping]] = ...) -> None: ...

class FuturesResponse(_message.Message):
    __slots__ = ("instruments",)
    INSTRUMENTS_FIELD_NUMBER: _ClassVar[int]
    instruments: _containers.RepeatedCompositeFieldContainer[Future]
    def __init__(self, instruments: _Optional[_Iterable[_Union[Future, _Mapping]]] = ...) -> None: ...

class Future(_message.Message):
    __slots__ = ("figi", "ticker", "class_code", "lot", "currency", "klong", "kshort", "dlong", "dshort", "dlong_min", "dshort_min", "short_enabled_flag", "name", "exchange", "first_trade_date", "last_trade_date", "futures_type", "asset_type", "basic_asset", "basic_asset_size", "country_of_risk", "country_of_risk_name", "sector", "expiration_date", "trading_status", "otc_flag", "buy_available_flag", "sell_available_flag", "min_price_increment", "api_trade_available_flag", "uid", "real_exchange", "position_uid", "basic_asset_position_uid", "required_tests", "for_iis_flag", "for_qual_investor_flag", "weekend_flag", "blocked_tca_flag", "first_1min_candle_date", "first_1day_candle_date", "initial_margin_on_buy", "initial_margin_on_sell", "min_price_increment_amount", "brand", "dlong_client", "dshort_client")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    KLONG_FIELD_NUMBER: _ClassVar[int]
    KSHORT_FIELD_NUMBER: _ClassVar[int]
    DLONG_FIELD_NUMBER: _ClassVar[int]
    DSHORT_FIELD_NUMBER: _ClassVar[int]
    DLONG_MIN_FIELD_NUMBER: _ClassVar[int]
    DSHORT_MIN_FIELD_NUMBER: _ClassVar[int]
    SHORT_ENABLED_FLAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    FIRST_TRADE_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_TRADE_DATE_FIELD_NUMBER: _ClassVar[int]
    FUTURES_TYPE_FIELD_NUMBER: _ClassVar[int]
    ASSET_TYPE_FIELD_NUMBER: _ClassVar[int]
    BASIC_ASSET_FIELD_NUMBER: _ClassVar[int]
    BASIC_ASSET_SIZE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_OF_RISK_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_OF_RISK_NAME_FIELD_NUMBER: _ClassVar[int]
    SECTOR_FIELD_NUMBER: _ClassVar[int]
    EXPIRATION_DATE_FIELD_NUMBER: _ClassVar[int]
    TRADING_STATUS_FIELD_NUMBER: _ClassVar[int]
    OTC_FLAG_FIELD_NUMBER: _ClassVar[int]
    BUY_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    SELL_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_INCREMENT_FIELD_NUMBER: _ClassVar[int]
    API_TRADE_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    REAL_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    BASIC_ASSET_POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_TESTS_FIELD_NUMBER: _ClassVar[int]
    FOR_IIS_FLAG_FIELD_NUMBER: _ClassVar[int]
    FOR_QUAL_INVESTOR_FLAG_FIELD_NUMBER: _ClassVar[int]
    WEEKEND_FLAG_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_TCA_FLAG_FIELD_NUMBER: _ClassVar[int]
    FIRST_1MIN_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_1DAY_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MARGIN_ON_BUY_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MARGIN_ON_SELL_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_INCREMENT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    DLONG_CLIENT_FIELD_NUMBER: _ClassVar[int]
    DSHORT_CLIENT_FIELD_NUMBER: _ClassVar[int]
    figi: str
    ticker: str
    class_code: str
    lot: int
    currency: str
    klong: _common_pb2.Quotation
    kshort: _common_pb2.Quotation
    dlong: _common_pb2.Quotation
    dshort: _common_pb2.Quotation
    dlong_min: _common_pb2.Quotation
    dshort_min: _common_pb2.Quotation
    short_enabled_flag: bool
    name: str
    exchange: str
    first_trade_date: _timestamp_pb2.Timestamp
    last_trade_date: _timestamp_pb2.Timestamp
    futures_type: str
    asset_type: str
    basic_asset: str
    basic_asset_size: _common_pb2.Quotation
    country_of_risk: str
    country_of_risk_name: str
    sector: str
    expiration_date: _timestamp_pb2.Timestamp
    trading_status: _common_pb2.SecurityTradingStatus
    otc_flag: bool
    buy_available_flag: bool
    sell_available_flag: bool
    min_price_increment: _common_pb2.Quotation
    api_trade_available_flag: bool
    uid: str
    real_exchange: _common_pb2.RealExchange
    position_uid: str
    basic_asset_position_uid: str
    required_tests: _containers.RepeatedScalarFieldContainer[str]
    for_iis_flag: bool
    for_qual_investor_flag: bool
    weekend_flag: bool
    blocked_tca_flag: bool
    first_1min_candle_date: _timestamp_pb2.Timestamp
    first_1day_candle_date: _timestamp_pb2.Timestamp
    initial_margin_on_buy: _common_pb2.MoneyValue
    initial_margin_on_sell: _common_pb2.MoneyValue
    min_price_increment_amount: _common_pb2.Quotation
    brand: _common_pb2.BrandData
    dlong_client: _common_pb2.Quotation
    dshort_client: _common_pb2.Quotation
    def __init__(self, figi: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ..., lot: _Optional[int] = ..., currency: _Optional[str] = ..., klong: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., kshort: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dlong: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dlong_min: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort_min: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., short_enabled_flag: _Optional[bool] = ..., name: _Optional[str] = ..., exchange: _Optional[str] = ..., first_trade_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_trade_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., futures_type: _Optional[str] = ..., asset_type: _Optional[str] = ..., basic_asset: _Optional[str] = ..., basic_asset_size: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., country_of_risk: _Optional[str] = ..., country_of_risk_name: _Optional[str] = ..., sector: _Optional[str] = ..., expiration_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trading_status: _Optional[_Union[_common_pb2.SecurityTradingStatus, str]] = ..., otc_flag: _Optional[bool] = ..., buy_available_flag: _Optional[bool] = ..., sell_available_flag: _Optional[bool] = ..., min_price_increment: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., api_trade_available_flag: _Optional[bool] = ..., uid: _Optional[str] = ..., real_exchange: _Optional[_Union[_common_pb2.RealExchange, str]] = ..., position_uid: _Optional[str] = ..., basic_asset_position_uid: _Optional[str] = ..., required_tests: _Optional[_Iterable[str]] = ..., for_iis_flag: _Optional[bool] = ..., for_qual_investor_flag: _Optional[bool] = ..., weekend_flag: _Optional[bool] = ..., blocked_tca_flag: _Optional[bool] = ..., first_1min_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_1day_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., initial_margin_on_buy: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., initial_margin_on_sell: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., min_price_increment_amount: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., brand: _Optional[_Union[_common_pb2.BrandData, _Mapping]] = ..., dlong_client: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort_client: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ...) -> None: ...

class InstrumentResponse(_message.Message):
    __slots__ = ("instrument",)
    INSTRUMENT_FIELD_NUMBER: _ClassVar[int]
    instrument: Instrument
    def __init__(self, instrument: _Optional[_Union[Instrument, _Mapping]] = ...) -> None: ...

class Instrument(_message.Message):
    __slots__ = ("figi", "ticker", "class_code", "isin", "lot", "currency", "klong", "kshort", "dlong", "dshort", "dlong_min", "dshort_min", "short_enabled_flag", "name", "exchange", "country_of_risk", "country_of_risk_name", "instrument_type", "trading_status", "otc_flag", "buy_available_flag", "sell_available_flag", "min_price_increment", "api_trade_available_flag", "uid", "real_exchange", "position_uid", "asset_uid", "required_tests", "for_iis_flag", "for_qual_investor_flag", "weekend_flag", "blocked_tca_flag", "instrument_kind", "first_1min_candle_date", "first_1day_candle_date", "brand", "dlong_client", "dshort_client")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    ISIN_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    KLONG_FIELD_NUMBER: _ClassVar[int]
    KSHORT_FIELD_NUMBER: _ClassVar[int]
    DLONG_FIELD_NUMBER: _ClassVar[int]
    DSHORT_FIELD_NUMBER: _ClassVar[int]
    DLONG_MIN_FIELD_NUMBER: _ClassVar[int]
    DSHORT_MIN_FIELD_NUMBER: _ClassVar[int]
    SHORT_ENABLED_FLAG_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_OF_RISK_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_OF_RISK_NAME_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRADING_STATUS_FIELD_NUMBER: _ClassVar[int]
    OTC_FLAG_FIELD_NUMBER: _ClassVar[int]
    BUY_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    SELL_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_INCREMENT_FIELD_NUMBER: _ClassVar[int]
    API_TRADE_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    REAL_EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    ASSET_UID_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_TESTS_FIELD_NUMBER: _ClassVar[int]
    FOR_IIS_FLAG_FIELD_NUMBER: _ClassVar[int]
    FOR_QUAL_INVESTOR_FLAG_FIELD_NUMBER: _ClassVar[int]
    WEEKEND_FLAG_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_TCA_FLAG_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_KIND_FIELD_NUMBER: _ClassVar[int]
    FIRST_1MIN_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_1DAY_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    DLONG_CLIENT_FIELD_NUMBER: _ClassVar[int]
    DSHORT_CLIENT_FIELD_NUMBER: _ClassVar[int]
    figi: str
    ticker: str
    class_code: str
    isin: str
    lot: int
    currency: str
    klong: _common_pb2.Quotation
    kshort: _common_pb2.Quotation
    dlong: _common_pb2.Quotation
    dshort: _common_pb2.Quotation
    dlong_min: _common_pb2.Quotation
    dshort_min: _common_pb2.Quotation
    short_enabled_flag: bool
    name: str
    exchange: str
    country_of_risk: str
    country_of_risk_name: str
    instrument_type: str
    trading_status: _common_pb2.SecurityTradingStatus
    otc_flag: bool
    buy_available_flag: bool
    sell_available_flag: bool
    min_price_increment: _common_pb2.Quotation
    api_trade_available_flag: bool
    uid: str
    real_exchange: _common_pb2.RealExchange
    position_uid: str
    asset_uid: str
    required_tests: _containers.RepeatedScalarFieldContainer[str]
    for_iis_flag: bool
    for_qual_investor_flag: bool
    weekend_flag: bool
    blocked_tca_flag: bool
    instrument_kind: _common_pb2.InstrumentType
    first_1min_candle_date: _timestamp_pb2.Timestamp
    first_1day_candle_date: _timestamp_pb2.Timestamp
    brand: _common_pb2.BrandData
    dlong_client: _common_pb2.Quotation
    dshort_client: _common_pb2.Quotation
    def __init__(self, figi: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ..., isin: _Optional[str] = ..., lot: _Optional[int] = ..., currency: _Optional[str] = ..., klong: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., kshort: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dlong: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dlong_min: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort_min: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., short_enabled_flag: _Optional[bool] = ..., name: _Optional[str] = ..., exchange: _Optional[str] = ..., country_of_risk: _Optional[str] = ..., country_of_risk_name: _Optional[str] = ..., instrument_type: _Optional[str] = ..., trading_status: _Optional[_Union[_common_pb2.SecurityTradingStatus, str]] = ..., otc_flag: _Optional[bool] = ..., buy_available_flag: _Optional[bool] = ..., sell_available_flag: _Optional[bool] = ..., min_price_increment: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., api_trade_available_flag: _Optional[bool] = ..., uid: _Optional[str] = ..., real_exchange: _Optional[_Union[_common_pb2.RealExchange, str]] = ..., position_uid: _Optional[str] = ..., asset_uid: _Optional[str] = ..., required_tests: _Optional[_Iterable[str]] = ..., for_iis_flag: _Optional[bool] = ..., for_qual_investor_flag: _Optional[bool] = ..., weekend_flag: _Optional[bool] = ..., blocked_tca_flag: _Optional[bool] = ..., instrument_kind: _Optional[_Union[_common_pb2.InstrumentType, str]] = ..., first_1min_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_1day_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., brand: _Optional[_Union[_common_pb2.BrandData, _Mapping]] = ..., dlong_client: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., dshort_client: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ...) -> None: ...

class FindInstrumentRequest(_message.Message):
    __slots__ = ("query", "instrument_kind", "api_trade_available_flag")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_KIND_FIELD_NUMBER: _ClassVar[int]
    API_TRADE_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    query: str
    instrument_kind: _common_pb2.InstrumentType
    api_trade_available_flag: bool
    def __init__(self, query: _Optional[str] = ..., instrument_kind: _Optional[_Union[_common_pb2.InstrumentType, str]] = ..., api_trade_available_flag: _Optional[bool] = ...) -> None: ...

class FindInstrumentResponse(_message.Message):
    __slots__ = ("instruments",)
    INSTRUMENTS_FIELD_NUMBER: _ClassVar[int]
    instruments: _containers.RepeatedCompositeFieldContainer[InstrumentShort]
    def __init__(self, instruments: _Optional[_Iterable[_Union[InstrumentShort, _Mapping]]] = ...) -> None: ...

class InstrumentShort(_message.Message):
    __slots__ = ("isin", "figi", "ticker", "class_code", "instrument_type", "name", "uid", "position_uid", "instrument_kind", "api_trade_available_flag", "for_iis_flag", "first_1min_candle_date", "first_1day_candle_date", "for_qual_investor_flag", "weekend_flag", "blocked_tca_flag", "lot")
    ISIN_FIELD_NUMBER: _ClassVar[int]
    FIGI_FIELD_NUMBER: _ClassVar[int]
    TICKER_FIELD_NUMBER: _ClassVar[int]
    CLASS_CODE_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    POSITION_UID_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_KIND_FIELD_NUMBER: _ClassVar[int]
    API_TRADE_AVAILABLE_FLAG_FIELD_NUMBER: _ClassVar[int]
    FOR_IIS_FLAG_FIELD_NUMBER: _ClassVar[int]
    FIRST_1MIN_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_1DAY_CANDLE_DATE_FIELD_NUMBER: _ClassVar[int]
    FOR_QUAL_INVESTOR_FLAG_FIELD_NUMBER: _ClassVar[int]
    WEEKEND_FLAG_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_TCA_FLAG_FIELD_NUMBER: _ClassVar[int]
    LOT_FIELD_NUMBER: _ClassVar[int]
    isin: str
    figi: str
    ticker: str
    class_code: str
    instrument_type: str
    name: str
    uid: str
    position_uid: str
    instrument_kind: _common_pb2.InstrumentType
    api_trade_available_flag: bool
    for_iis_flag: bool
    first_1min_candle_date: _timestamp_pb2.Timestamp
    first_1day_candle_date: _timestamp_pb2.Timestamp
    for_qual_investor_flag: bool
    weekend_flag: bool
    blocked_tca_flag: bool
    lot: int
    def __init__(self, isin: _Optional[str] = ..., figi: _Optional[str] = ..., ticker: _Optional[str] = ..., class_code: _Optional[str] = ..., instrument_type: _Optional[str] = ..., name: _Optional[str] = ..., uid: _Optional[str] = ..., position_uid: _Optional[str] = ..., instrument_kind: _Optional[_Union[_common_pb2.InstrumentType, str]] = ..., api_trade_available_flag: _Optional[bool] = ..., for_iis_flag: _Optional[bool] = ..., first_1min_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., first_1day_candle_date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., for_qual_investor_flag: _Optional[bool] = ..., weekend_flag: _Optional[bool] = ..., blocked_tca_flag: _Optional[bool] = ..., lot: _Optional[int] = ...) -> None: ...

class TradingSchedulesRequest(_message.Message):
    __slots__ = ("exchange", "to")
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    exchange: str
    to: _timestamp_pb2.Timestamp
    def __init__(self, exchange: _Optional[str] = ..., to: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class TradingSchedulesResponse(_message.Message):
    __slots__ = ("exchanges",)
    EXCHANGES_FIELD_NUMBER: _ClassVar[int]
    exchanges: _containers.RepeatedCompositeFieldContainer[TradingSchedule]
    def __init__(self, exchanges: _Optional[_Iterable[_Union[TradingSchedule, _Mapping]]] = ...) -> None: ...

class TradingSchedule(_message.Message):
    __slots__ = ("exchange", "days")
    EXCHANGE_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    exchange: str
    days: _containers.RepeatedCompositeFieldContainer[TradingDay]
    def __init__(self, exchange: _Optional[str] = ..., days: _Optional[_Iterable[_Union[TradingDay, _Mapping]]] = ...) -> None: ...

class TradingDay(_message.Message):
    __slots__ = ("date", "is_trading_day", "start_time", "end_time", "opening_auction_start_time", "closing_auction_end_time", "evening_opening_auction_start_time", "evening_start_time", "evening_end_time", "clearing_start_time", "clearing_end_time", "premarket_start_time", "premarket_end_time", "closing_auction_start_time", "opening_auction_end_time", "intervals")
    DATE_FIELD_NUMBER: _ClassVar[int]
    IS_TRADING_DAY_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    OPENING_AUCTION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSING_AUCTION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENING_OPENING_AUCTION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENING_START_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENING_END_TIME_FIELD_NUMBER: _ClassVar[int]
    CLEARING_START_TIME_FIELD_NUMBER: _ClassVar[int]
    CLEARING_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PREMARKET_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PREMARKET_END_TIME_FIELD_NUMBER: _ClassVar[int]
    CLOSING_AUCTION_START_TIME_FIELD_NUMBER: _ClassVar[int]
    OPENING_AUCTION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    INTERVALS_FIELD_NUMBER: _ClassVar[int]
    date: _timestamp_pb2.Timestamp
    is_trading_day: bool
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    opening_auction_start_time: _timestamp_pb2.Timestamp
    closing_auction_end_time: _timestamp_pb2.Timestamp
    evening_opening_auction_start_time: _timestamp_pb2.Timestamp
    evening_start_time: _timestamp_pb2.Timestamp
    evening_end_time: _timestamp_pb2.Timestamp
    clearing_start_time: _timestamp_pb2.Timestamp
    clearing_end_time: _timestamp_pb2.Timestamp
    premarket_start_time: _timestamp_pb2.Timestamp
    premarket_end_time: _timestamp_pb2.Timestamp
    closing_auction_start_time: _timestamp_pb2.Timestamp
    opening_auction_end_time: _timestamp_pb2.Timestamp
    intervals: _containers.RepeatedCompositeFieldContainer[TradingInterval]
    def __init__(self, date: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., is_trading_day: _Optional[bool] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opening_auction_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closing_auction_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evening_opening_auction_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evening_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., evening_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clearing_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., clearing_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., premarket_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., premarket_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closing_auction_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., opening_auction_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., intervals: _Optional[_Iterable[_Union[TradingInterval, _Mapping]]] = ...) -> None: ...

class TradingInterval(_message.Message):
    __slots__ = ("type", "interval")
    class TimeInterval(_message.Message):
        __slots__ = ("start_ts", "end_ts")
        START_TS_FIELD_NUMBER: _ClassVar[int]
        END_TS_FIELD_NUMBER: _ClassVar[int]
        start_ts: _timestamp_pb2.Timestamp
        end_ts: _timestamp_pb2.Timestamp
        def __init__(self, start_ts: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_ts: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    type: str
    interval: TradingInterval.TimeInterval
    def __init__(self, type: _Optional[str] = ..., interval: _Optional[_Union[TradingInterval.TimeInterval, _Mapping]] = ...) -> None: ...

class GetFuturesMarginRequest(_message.Message):
    __slots__ = ("figi", "instrument_id")
    FIGI_FIELD_NUMBER: _ClassVar[int]
    INSTRUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    figi: str
    instrument_id: str
    def __init__(self, figi: _Optional[str] = ..., instrument_id: _Optional[str] = ...) -> None: ...

class GetFuturesMarginResponse(_message.Message):
    __slots__ = ("initial_margin_on_buy", "initial_margin_on_sell", "min_price_increment", "min_price_increment_amount")
    INITIAL_MARGIN_ON_BUY_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MARGIN_ON_SELL_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_INCREMENT_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_INCREMENT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    initial_margin_on_buy: _common_pb2.MoneyValue
    initial_margin_on_sell: _common_pb2.MoneyValue
    min_price_increment: _common_pb2.Quotation
    min_price_increment_amount: _common_pb2.Quotation
    def __init__(self, initial_margin_on_buy: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., initial_margin_on_sell: _Optional[_Union[_common_pb2.MoneyValue, _Mapping]] = ..., min_price_increment: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ..., min_price_increment_amount: _Optional[_Union[_common_pb2.Quotation, _Mapping]] = ...) -> None: ...
