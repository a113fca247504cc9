#!/usr/bin/env bash
# The SPARQL stores of the store matrix (tests/test_store_matrix.py), from Debian's packages:
# OpenLink Virtuoso (virtuoso-opensource) and Apache Jena (libapache-jena-java). Oxigraph server
# comes from PyPI with the virtual environment.
#
#   tools/ci-stores.sh install          install both (as root, or through sudo), prints the time taken
#   tools/ci-stores.sh jena-classpath   print the class path for Debian's Jena 4.5.0 (work-arounds below)
#   tools/ci-stores.sh versions         print the versions the matrix runs on
#
# Nothing is started here: each test starts its store on 127.0.0.1 in a temporary folder (its own
# virtuoso.ini, a generated dba password) and stops it. The install keeps Debian's own Virtuoso
# service from starting (a policy-rc.d for the duration of the install).
set -euo pipefail

JENA_DIR=${CYBERKG_JENA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cyberkg/jena-4.5.0}
J=/usr/share/java

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

install() {
  local need=()
  command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
  [ -f "$J/jena-arq.jar" ] || need+=(libapache-jena-java)
  command -v javac >/dev/null 2>&1 || need+=(default-jdk-headless)  # tools/JenaSparql.java runs from source
  if [ ${#need[@]} -eq 0 ]; then
    echo "stores: Virtuoso and Jena already installed"
    return
  fi
  local start=$SECONDS added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # do not let the package start Debian's own Virtuoso service
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    added_policy=1
  fi
  echo "stores: installing ${need[*]} (Debian packages)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$added_policy" = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  echo "stores: installed in $((SECONDS - start)) s"
}

# Debian's Jena 4.5.0 does not run as packaged:
# 1. /usr/share/java holds both log4j-over-slf4j and slf4j-log4j12 (a loop): the class path below
#    names its jars one by one, with slf4j-nop as the only binding;
# 2. the shaded Xerces classes (package xerces.*) look for their message resources under xerces/…,
#    but the jar has them under org/apache/jena/ext/xerces/…: without them every XSD datatype fails
#    to initialise ("internal error"). They are copied to $JENA_DIR once.
jena_classpath() {
  [ -f "$J/jena-arq.jar" ] || { echo "Apache Jena is not installed: $0 install" >&2; exit 1; }
  if [ ! -f "$JENA_DIR/xerces/impl/msg/XMLSchemaMessages.properties" ]; then
    local tmp
    tmp=$(mktemp -d)
    python3 - "$J/jena-core.jar" "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("org/apache/jena/ext/xerces/")])
PY
    mkdir -p "$JENA_DIR"
    rm -rf "$JENA_DIR/xerces"
    mv "$tmp/org/apache/jena/ext/xerces" "$JENA_DIR/xerces"
    rm -rf "$tmp"
  fi
  local cp="$JENA_DIR" jar
  for jar in jena-arq jena-base jena-cmds jena-core jena-dboe-base jena-dboe-index jena-dboe-storage \
             jena-dboe-trans-data jena-dboe-transaction jena-iri jena-rdfconnection jena-shacl jena-shex \
             jena-tdb jena-tdb2 commons-cli commons-codec commons-compress commons-csv commons-io commons-lang3 \
             dexx.collection gson guava httpclient httpcore jackson-core jackson-databind jackson-annotations \
             jsonld-java jakarta.json-api protobuf slf4j-api slf4j-nop thrift titanium-json-ld; do
    [ -f "$J/$jar.jar" ] || { echo "missing $J/$jar.jar (a dependency of libapache-jena-java)" >&2; exit 1; }
    cp="$cp:$J/$jar.jar"
  done
  echo "$cp"
}

versions() {
  echo "virtuoso-opensource $(dpkg-query -W -f='${Version}' virtuoso-opensource 2>/dev/null || echo missing)"
  echo "libapache-jena-java $(dpkg-query -W -f='${Version}' libapache-jena-java 2>/dev/null || echo missing)"
}

case "${1:-}" in
  install) install ;;
  jena-classpath) jena_classpath ;;
  versions) versions ;;
  *) echo "usage: $0 install | jena-classpath | versions" >&2; exit 2 ;;
esac
