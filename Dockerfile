# Build: the whole binary, with templates, static files and fonts inside it.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY templates templates
COPY static static
COPY migrations migrations
COPY data data
# The manifest names the benches; the image needs none of them, only a file where each is.
RUN mkdir benches && awk '/^\[\[bench\]\]/ { b = 1; next } b && /^name/ { gsub(/^name = "|"$/, ""); print; b = 0 }' \
    Cargo.toml | while read -r bench; do echo 'fn main() {}' > "benches/$bench.rs"; done
RUN cargo build --release --locked --bin nianbao

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/nianbao /usr/local/bin/nianbao
USER nobody
EXPOSE 3000
ENV NIANBAO_ADDR=0.0.0.0:3000
CMD ["nianbao", "serve"]
