"""On-chain contract risk: providers (GoPlus, an Etherscan-compatible explorer, JSON-RPC), the
check that merges their answers into facts with provenance, and the changes between checks."""
