#!/usr/bin/env bash
# Shared by the social registry's benchmarks (sourced, with $persons, $out, $nur and $db
# set): the synthetic population written and loaded once into $out, NAF granted what the
# social registry reads, a NAF and a DVLD client, an HTTP source for DVLD's events.
cargo build --release -p nur >/dev/null
mkdir -p "$out"
if [ ! -f "$out/data/manifest.json" ]; then
  /usr/bin/time -f "synth: %e s, %M KB" $nur synth --persons "$persons" --seed 1 --out "$out/data" >/dev/null
fi
if [ ! -f "$out/loaded" ]; then
  rm -f "$out"/nur.db*
  $nur init --db "$db" >/dev/null
  /usr/bin/time -f "load: %e s, %M KB" $nur load --db "$db" "$out/data" --json >/dev/null
  # The custodians grant NAF what the social registry reads.
  $nur sp needs --db "$db" | while read -r custodian table columns; do
    [ "$custodian" = NAF ] && continue
    $nur grant --db "$db" --custodian "$custodian" --consumer NAF --table "$table" --columns "$columns" >/dev/null
  done
  $nur client create --db "$db" --entity NAF --name bench > "$out/naf-client.json"
  $nur client create --db "$db" --entity DVLD --name bench-feed > "$out/dvld-client.json"
  $nur source add --db "$db" --name dvld-events --kind http --entity DVLD >/dev/null
  touch "$out/loaded"
fi

# Every household's facts and PMT score (the model fitted on the synthetic survey), once.
sp_scored() {
  if [ ! -f "$out/scored" ]; then
    /usr/bin/time -f "facts: %e s" $nur sp facts --db "$db" --restart | tail -1
    $nur sp pmt fit --db "$db" --survey "$out/data/SP_Survey.csv" --coverage 0.15 --out "$out/pmt.json" >/dev/null
    local version; version=$($nur sp pmt publish --db "$db" "$out/pmt.json" | tail -1)
    /usr/bin/time -f "score: %e s" $nur sp score --db "$db" --model "$version" --restart | tail -1
    touch "$out/scored"
  fi
}
