"""CKAN search backed by PostgreSQL, for portals that cannot run Solr."""
