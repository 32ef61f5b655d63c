# berth's container image, built from this repository on Debian 12:
#   docker build -t berth:latest .
# The same image serves (`berth serve --runtime kubernetes`, deploy/) and, as the Kubernetes
# runtime's built-in template, runs the simulated engine (`berth engine-sim`).
FROM debian:12 AS build
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential cmake pkg-config libboost-dev nlohmann-json3-dev libsqlite3-dev libfmt-dev \
      libcli11-dev libssl-dev libyaml-dev ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY src src
COPY data data
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
 && cmake --build build -j"$(nproc)" --target berth

FROM debian:12
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      libsqlite3-0 libfmt9 libssl3 libyaml-0-2 ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home berth
COPY --from=build /src/build/berth /usr/local/bin/berth
USER 10001
WORKDIR /home/berth
EXPOSE 8080 8000
ENTRYPOINT ["berth"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--data-dir", "/home/berth/data", "--runtime", "kubernetes"]
