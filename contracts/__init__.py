"""The services' published contracts: the shapes each service accepts over RPC (and so
over HTTP), and the vocabularies those shapes use. No service logic lives here: the
gateway documents its OpenAPI from these classes, and each service validates its own
input with them. A change here is a change of the public API."""
