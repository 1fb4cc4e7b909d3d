"""Everything that talks to the network: the portal spider, its pipelines and the CLI."""
