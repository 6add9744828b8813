FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY api ./api
COPY cli ./cli
COPY loaders ./loaders
COPY queries ./queries
COPY exports ./exports
COPY briefings ./briefings
COPY data ./data
RUN pip install --no-cache-dir -e . \
 && useradd --create-home tnr
USER tnr
EXPOSE 8000
CMD ["tnr", "serve"]
