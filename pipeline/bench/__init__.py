"""Throughput benchmark of news_ingest against its NLP and COPY floors (`python -m pipeline.bench`)."""
