#!/usr/bin/env bash
# Load measurement, side by side on this machine: the mock, and a static Go server serving
# the very same response bytes, each under the same wrk load; prints both rates and their
# ratio, the mock's start-up time to its first 200 (beside an empty Go server's), and its
# resident memory after a minute of load.
# Usage: make load   (DURATION=10s CONNECTIONS=32 SOAK=60 to change the runs; LOAD_DB=postgres://...
# serves the throughput and memory runs from that database, a schema that should be empty)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
SOAK=${SOAK:-60}
MOCK_ADDR=127.0.0.1:${MOCK_PORT:-18181}
STATIC_ADDR=127.0.0.1:${STATIC_PORT:-18182}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

export CGO_ENABLED=1
# shellcheck disable=SC2086 # STATIC holds several flags (the Makefile's static build)
go build ${STATIC:-} -o "$tmp/provmock" .
go build -o "$tmp/static" ./load/static
go build -o "$tmp/startup" ./load/startup

echo "== start-up with the demo data to the first 200 (GET /healthz), median of 20 starts each"
echo '{}' >"$tmp/empty.json"
"$tmp/startup" -runs 20 -probe /healthz -label "an empty Go HTTP server (the floor here)" \
  "$tmp/static" -addr 127.0.0.1:0 "/healthz=$tmp/empty.json"
"$tmp/startup" -runs 20 -cold -label "mock, first start (no cached image)" \
  "$tmp/provmock" --addr 127.0.0.1:0 --quiet
"$tmp/startup" -runs 1 -label "(warming the image cache)" \
  "$tmp/provmock" --addr 127.0.0.1:0 --quiet --cache-dir "$tmp/cache" >/dev/null
"$tmp/startup" -runs 20 -target 30ms -label "mock, later starts (cached image)" \
  "$tmp/provmock" --addr 127.0.0.1:0 --quiet --cache-dir "$tmp/cache"

"$tmp/provmock" --addr "$MOCK_ADDR" --quiet ${LOAD_DB:+--db "$LOAD_DB"} >"$tmp/mock.out" 2>&1 &
pids+=($!)
mock_pid=$!
for _ in $(seq 100); do curl -fs "http://$MOCK_ADDR/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
token=$(curl -fs "http://$MOCK_ADDR/oauth/token" -H 'Content-Type: application/json' \
  -d '{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}' |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')
auth="Authorization: Bearer $token"
accept="Accept: application/vnd.api+json"

# 30 more credentials in The Blue Brand, so that a page of 25 is full.
for i in $(seq 30); do
  curl -fs -o /dev/null "http://$MOCK_ADDR/api/api_credentials" -H "$auth" -H "$accept" \
    -H 'Content-Type: application/vnd.api+json' \
    -d "{\"data\":{\"type\":\"api_credentials\",\"attributes\":{\"name\":\"Load app $i\",\"kind\":\"integration\"},\"relationships\":{\"organization\":{\"data\":{\"type\":\"organizations\",\"id\":\"orgBlueBrd\"}},\"role\":{\"data\":{\"type\":\"roles\",\"id\":\"rolBBAdmin\"}}}}}"
done

retrieve=/api/organizations/orgBlueBrd
list='/api/api_credentials?include=organization,role&page%5Bsize%5D=25'
curl -fs -H "$auth" -H "$accept" "http://$MOCK_ADDR$retrieve" >"$tmp/retrieve.json"
curl -fs -H "$auth" -H "$accept" "http://$MOCK_ADDR$list" >"$tmp/list.json"

# The Adobe family: an IMS token of the demo integration, and 23 more credentials in its
# org's prod sandbox beside the demo's 2, so that the list holds 25.
ims=$(curl -fs "http://$MOCK_ADDR/ims/token/v3" -d grant_type=client_credentials \
  -d client_id=demo-adobe-client-id -d client_secret=demo-adobe-client-secret |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')
gateway=(-H "Authorization: Bearer $ims" -H "x-api-key: demo-adobe-client-id" -H "x-gw-ims-org-id: DEMO1234567890ABCDEF0123@AdobeOrg")
adobe_list=/data/core/activation/authoring/credentials
adobe_retrieve=$adobe_list/3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f
for i in $(seq 23); do
  curl -fs -o /dev/null "http://$MOCK_ADDR$adobe_list" "${gateway[@]}" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Load destination $i\",\"oauth2ClientAuthentication\":{\"url\":\"https://auth.example/token\",\"clientId\":\"c$i\",\"clientSecret\":\"s$i\"}}"
done
curl -fs "${gateway[@]}" "http://$MOCK_ADDR$adobe_retrieve" >"$tmp/adobe-retrieve.json"
curl -fs "${gateway[@]}" "http://$MOCK_ADDR$adobe_list" >"$tmp/adobe-list.json"
"$tmp/static" -addr "$STATIC_ADDR" "$retrieve=$tmp/retrieve.json" "/api/api_credentials=$tmp/list.json" \
  "$adobe_retrieve=$tmp/adobe-retrieve.json" "$adobe_list=$tmp/adobe-list.json" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://$STATIC_ADDR$retrieve" >/dev/null 2>&1 && break; sleep 0.05; done

rate() { # url [header flags...] -> requests per second
  local url=$1
  shift
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$@" "$url" | awk '/Requests\/sec/ {print $2}'
}
compare() { # name path target% [header flags...]
  local mock static name=$1 path=$2 target=$3
  shift 3
  mock=$(rate "http://$MOCK_ADDR$path" "$@")
  static=$(rate "http://$STATIC_ADDR$path" "$@")
  awk -v n="$name" -v m="$mock" -v s="$static" -v t="$target" 'BEGIN {
    r = 100 * m / s
    printf "%-28s mock %9.0f req/s   static %9.0f req/s   ratio %5.1f%%  (target >= %d%%: %s)\n", n, m, s, r, t, (r >= t ? "met" : "NOT met")
  }'
}
echo "== throughput (wrk -t2 -c$CONNECTIONS -d$DURATION, load generator on the same cores)"
compare "retrieve (bearer token)" "$retrieve" 60 -H "$auth" -H "$accept"
compare "list of 25, include" "$list" 40 -H "$auth" -H "$accept"
compare "Adobe retrieve (IMS token)" "$adobe_retrieve" 60 "${gateway[@]}"
compare "Adobe list of 25" "$adobe_list" 40 "${gateway[@]}"

echo "== memory after ${SOAK}s of load"
wrk -t2 -c"$CONNECTIONS" -d"${SOAK}s" -H "$auth" -H "$accept" "http://$MOCK_ADDR$list" >/dev/null &
soak=$!
wrk -t1 -c4 -d"${SOAK}s" -H "$auth" -H "$accept" "http://$MOCK_ADDR$retrieve" >/dev/null
wait "$soak"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$mock_pid/status")
awk -v r="$rss" 'BEGIN { printf "resident memory: %.1f MiB  (target <= 32 MiB: %s)\n", r / 1024, (r / 1024 <= 32 ? "met" : "NOT met") }'
