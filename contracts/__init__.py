"""The services' published contracts: the shapes each service accepts over RPC (and so
over HTTP) in contracts/<service>/schemas.py, what its main replies look like in
responses.py (documentation only), and the vocabularies those shapes use (labels.py).
Every field comes from servicekit.schema, the one input rule of every service.

No service logic lives here: the gateway documents its OpenAPI from these classes (it
validates nothing itself), and each service validates its own input with them, after
its permission check. The gateway image and every service image contain this package,
and no image contains another service's code. A change here is a change of the public
API."""
