"""Benchmarks (`make bench`): plain scripts that start the real platform in their
own RabbitMQ vhost and databases, measure, print and return their figures.
See docs/benchmarks.md."""
