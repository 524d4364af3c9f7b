"""Platform core: configuration, the resource catalogue, storage, tables, jobs and auth."""
