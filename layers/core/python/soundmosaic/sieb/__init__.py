"""Sieb: plain-language questions about stock and supply-chain data, answered from MongoDB as
tables and a 3-D point cloud. ``store`` (the tenant's database), ``loader``, ``schema`` (the
schema card), ``offline`` and ``llm`` (question -> pipeline), ``validator``, ``mapping`` (the
point cloud), ``service`` (what the API and CLI call). See docs/sieb.md."""
