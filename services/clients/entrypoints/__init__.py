"""The clients service's RPC entrypoints, one mixin per area, composed in service.py.
Each method only hands its arguments to a use case through ServiceBase._run (the
permission first, then the payload checked against its contract schema, then one
unit of work)."""
