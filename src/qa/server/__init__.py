"""`qa serve` (HTTP API and web page) and `qa mcp` (a tool for AI agents): edges over one Assistant."""
