"""The gRPC face of the local exchange: one servicer module per Invest API service, the call gate
(auth, limits, unary faults, error mapping), stream sessions and the shared runtime."""
