"""Security tests: each one attacks the served app (HTTP API and web chat) and checks that the attack fails."""
