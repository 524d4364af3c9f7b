"""The albums SQL schema's migrations: ``NNN_name.sql``, applied in order by ``albums.db``."""
