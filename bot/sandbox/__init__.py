"""The embedded Reddit-compatible sandbox: server, store, fault injection, control client."""
