# Project image: the official Airflow 3.3 image plus the pinned pipeline dependencies and the model.
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:root requirements.lock /opt/news/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /opt/news/requirements.lock

COPY --chown=airflow:root pipeline /opt/news/pipeline
COPY --chown=airflow:root sql /opt/news/sql
COPY --chown=airflow:root expectations /opt/news/expectations
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root seeds /opt/news/seeds

ENV PYTHONPATH=/opt/news \
    NEWS_SEED_DIR=/opt/news/seeds \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GX_ANALYTICS_ENABLED=false
