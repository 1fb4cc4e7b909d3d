"""One module per ``nianbao`` subcommand; each is a thin layer over a library call."""
