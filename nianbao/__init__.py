"""The interfaces: the `nianbao` command and the web view, thin layers over the library."""
