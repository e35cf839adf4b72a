"""Generated stubs for the Invest API v2 subset; do not edit, run scripts/gen_proto.py."""
