"""gRPC failures map to typed broker errors carrying API code, tracking id and message."""

from __future__ import annotations

import grpc
import pytest

from scalp_system.broker.auth import Secret
from scalp_system.broker.errors import (
    BrokerAuthError,
    BrokerInvalidRequestError,
    BrokerNotFoundError,
    BrokerOrderRejectedError,
    BrokerOutcomeUnknownError,
    BrokerRateLimitError,
    BrokerTimeoutError,
    BrokerUnavailableError,
    error_from_rpc,
)
from scalp_system.core.venue import OrderRejectedError, OutcomeUnknownError, VenueError


def rpc_error(code: grpc.StatusCode, details: str, **trailing: str) -> grpc.aio.AioRpcError:
    """A real AioRpcError as grpc.aio raises it (status, details, metadata)."""
    return grpc.aio.AioRpcError(
        code, grpc.aio.Metadata(("x-tracking-id", "trk-42")), grpc.aio.Metadata(*trailing.items()), details
    )


def test_unauthenticated_maps_to_auth_error_with_code_and_tracking_id() -> None:
    error = error_from_rpc(
        rpc_error(
            grpc.StatusCode.UNAUTHENTICATED, "40003", message="authentication token is missing or invalid"
        ),
        "GetAccounts",
    )
    assert isinstance(error, BrokerAuthError) and isinstance(error, VenueError)
    assert (error.code, error.tracking_id, error.status) == ("40003", "trk-42", "UNAUTHENTICATED")
    assert "token is missing or invalid" in str(error) and "trk-42" in str(error)


def test_rate_limit_carries_the_reset_seconds_even_with_empty_details() -> None:
    error = error_from_rpc(
        rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "", **{"x-ratelimit-reset": "25"}), "GetCandles"
    )
    assert isinstance(error, BrokerRateLimitError) and error.retryable
    assert error.ratelimit_reset_s == 25.0 and error.code == ""


@pytest.mark.parametrize("code", ["70001", "70002", "70003"])
def test_internal_errors_are_retryable(code: str) -> None:
    error = error_from_rpc(rpc_error(grpc.StatusCode.INTERNAL, code), "GetOrderBook")
    assert isinstance(error, BrokerUnavailableError) and error.retryable


def test_unavailable_is_retryable_and_deadline_is_a_timeout() -> None:
    assert isinstance(error_from_rpc(rpc_error(grpc.StatusCode.UNAVAILABLE, ""), "X"), BrokerUnavailableError)
    assert isinstance(
        error_from_rpc(rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED, ""), "X"), BrokerTimeoutError
    )


def test_order_rejection_is_an_order_rejected_error() -> None:
    error = error_from_rpc(
        rpc_error(
            grpc.StatusCode.INVALID_ARGUMENT,
            "30078",
            message="price is not a multiple of min_price_increment",
        ),
        "PostOrder",
        order=True,
    )
    assert isinstance(error, BrokerOrderRejectedError) and isinstance(error, OrderRejectedError)
    assert error.code == "30078" and not error.retryable


@pytest.mark.parametrize("code", ["70002", "30057"])
def test_ambiguous_order_outcomes_are_outcome_unknown(code: str) -> None:
    status = grpc.StatusCode.INTERNAL if code == "70002" else grpc.StatusCode.INVALID_ARGUMENT
    error = error_from_rpc(rpc_error(status, code), "PostOrder", order=True)
    assert isinstance(error, BrokerOutcomeUnknownError) and isinstance(error, OutcomeUnknownError)


def test_non_order_invalid_argument_and_not_found() -> None:
    assert isinstance(
        error_from_rpc(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "30031"), "GetOrderBook"),
        BrokerInvalidRequestError,
    )
    assert isinstance(
        error_from_rpc(rpc_error(grpc.StatusCode.NOT_FOUND, "50005"), "GetOrderState"), BrokerNotFoundError
    )


def test_a_token_echoed_by_a_server_is_scrubbed_from_the_error() -> None:
    canary = "t.CANARY-errors-19bd"
    Secret(canary)
    error = error_from_rpc(
        rpc_error(grpc.StatusCode.UNAUTHENTICATED, "40003", message=f"bad token {canary}"), "X"
    )
    assert canary not in str(error) and canary not in error.api_message
