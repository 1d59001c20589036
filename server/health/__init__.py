"""Whether this server process may be sent traffic: GET /readyz."""
