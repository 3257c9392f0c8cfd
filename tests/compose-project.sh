# compose-project.sh: the compose project the docker and VM tiers lay
# out, written into a folder. Sourced; compose_project DIR PROJECT KEY.
#
# A string command, ${VAR} from .env and the environment, anchors and
# merge keys, a completion gate and a health gate, services on the
# networks they name (back is internal), a build target and build args,
# a secret, a user, a container_name, a fixed address on a network with a
# subnet of its own, a read-only root with a tmpfs, a
# bind of the project's folder, and a service of a profile.

compose_project() {
	cp_dir=$1 cp_proj=$2 cp_key=$3
	mkdir -p "$cp_dir/ctx" "$cp_dir/site"
	echo compose-site >"$cp_dir/site/index.html"
	cat >"$cp_dir/ctx/Dockerfile" <<'EOF'
FROM berth/busybox AS base
ARG GREETING=unset
RUN echo "$GREETING" > /greeting
STOPSIGNAL SIGKILL
FROM base AS dev
RUN echo dev > /stage
FROM base AS prod
RUN echo prod > /stage
EOF
	echo "$cp_key" >"$cp_dir/api-key.txt"
	# .env gives TAG, WHO and GREET; the environment overrides WHO
	printf 'TAG=v1\nWHO=from-dotenv\nexport GREET=hello-arg\n' >"$cp_dir/.env"
	cat >"$cp_dir/compose.yaml" <<EOF
name: $cp_proj
x-base: &base
  image: $cp_proj/img:\${TAG}
  labels:
    tier: \${TIER:-backend}
services:
  seed:
    <<: *base
    build:
      context: ctx
      target: dev
      args:
        GREETING: \${GREET}
    command: sh -c 'echo seeded-\$\$HOSTNAME-ok > /store/seed'
    volumes:
      - store:/store
  db:
    <<: *base
    container_name: database
    command: ["httpd", "-f", "-p", "8000", "-h", "/store"]
    volumes: [ "store:/store:ro" ]
    networks:
      back: { ipv4_address: 10.123.45.20 }
    depends_on:
      seed:
        condition: service_completed_successfully
    healthcheck:
      test: test -f /store/seed
      interval: 2s
      retries: 20
  app:
    <<: *base
    # a string is words, not a shell line: the quotes group, no \$ expands
    command: sh -c 'exec sleep 600' "\$\$WHO"
    environment:
      WHO: \${WHO}
      PLAIN:
    user: "1234:1234"
    dns_opt: [ "ndots:3" ]
    secrets: [ api_key ]
    networks: [ back, front ]
    depends_on:
      db: { condition: service_healthy }
  web:
    <<: *base
    command: httpd -f -p 80 -h /site
    read_only: true
    tmpfs: [ /scratch ]
    ports: [ "80" ]
    volumes:
      - ./site:/site:ro,z
    networks: [ front ]
    depends_on: [ app ]
  debug:
    <<: *base
    profiles: [ debug ]
    command: sleep 600
networks:
  front:
  back:
    internal: true
    ipam:
      config: [ { subnet: 10.123.45.0/24 } ]
volumes:
  store:
secrets:
  api_key:
    file: ./api-key.txt
EOF
}
