"""Optional API Gateway TOKEN authorizer: validates a bearer JWT and names the caller (principalId)."""
