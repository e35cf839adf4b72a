"""scalp_system: automated intraday scalping for MOEX through the T-Bank Invest API v2."""
