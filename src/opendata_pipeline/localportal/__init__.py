"""The local CKAN portal: install, configure, start, bootstrap, stop, reset."""
