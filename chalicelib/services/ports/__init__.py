"""The ports the use cases depend on, one module per area. Each has a DynamoDB/AWS
adapter in ``chalicelib/adapters`` and an in-memory fake in ``tests/fakes.py``; the same
contract tests run against both. Import each port from its module (this package
re-exports nothing); the value objects they take and return live in ``chalicelib/domain``."""
