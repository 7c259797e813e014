/**
 * docker-compose.yml and the monitoring files under ops/ fit together: compose is valid
 * (`docker-compose config`), Prometheus scrapes each server on the METRICS_PORT compose gives
 * it, every mounted file exists where the config that reads it expects it, and promtool
 * accepts the config and rules and passes ops/prometheus/alerts.test.yml.
 *
 * docker-compose and promtool come from Debian (`docker-compose`, `prometheus`; .ci/run
 * installs them): without them these checks skip locally and fail under CI=true.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { ROOT } from "../support/processes.ts";

const CI = process.env.CI === "true";

function available(cmd: string): boolean {
  return spawnSync(cmd, ["--version"], { encoding: "utf8" }).status === 0;
}

function need(cmd: string, pkg: string): string | false {
  if (available(cmd)) return false;
  const why = `${cmd} is not installed (Debian package ${pkg})`;
  if (CI) throw new Error(`${why}: CI must run this check`);
  return why;
}

function run(cmd: string, args: string[], env: Record<string, string | undefined> = {}, input?: string) {
  const full = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  return spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", env: full, input, timeout: 60_000 });
}

/** YAML → JSON with the python3-yaml that Debian's docker-compose depends on. */
function yaml(text: string): any {
  const res = run("python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"], {}, text);
  assert.equal(res.status, 0, `python3-yaml: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

const COMPOSE_ENV = { JWT_SECRET: "compose-test-secret", NODE_ENV: undefined, PUBLIC_HOST: undefined, COMPOSE_FILE: undefined };
// Compose would also read a developer's .env next to docker-compose.yml: the checks use an empty one.
const scratch = mkdtempSync(path.join(os.tmpdir(), "framesync-compose-"));
const EMPTY_ENV_FILE = path.join(scratch, "empty.env");
writeFileSync(EMPTY_ENV_FILE, "");
after(() => rmSync(scratch, { recursive: true, force: true }));
const compose = (args: string[], env: Record<string, string | undefined>) => run("docker-compose", ["--env-file", EMPTY_ENV_FILE, ...args], env);

describe("docker-compose.yml", () => {
  const skip = need("docker-compose", "docker-compose");

  test("refuses to start without JWT_SECRET", { skip }, () => {
    const missing = compose(["config", "-q"], { ...COMPOSE_ENV, JWT_SECRET: undefined });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /set JWT_SECRET/);
  });

  test("is valid (docker-compose config); servers, Prometheus and Grafana are wired to each other", { skip }, () => {
    const res = compose(["config"], COMPOSE_ENV);
    assert.equal(res.status, 0, res.stderr);
    const services = yaml(res.stdout).services as Record<string, any>;
    const games = Object.keys(services).filter((name) => /^game\d+$/.test(name));
    assert.deepEqual(games.sort(), ["game1", "game2"]);

    const prometheusYml = yaml(readFileSync(path.join(ROOT, "ops/prometheus/prometheus.yml"), "utf8"));
    const job = prometheusYml.scrape_configs.find((j: any) => j.job_name === "framesync");
    const targets: string[] = job.static_configs.flatMap((c: any) => c.targets);
    for (const name of games) {
      const env = services[name].environment;
      assert.equal(env.NODE_ENV, "production", `${name} runs production by default`);
      assert.equal(env.JWT_SECRET, COMPOSE_ENV.JWT_SECRET);
      assert.equal(env.HOST, "0.0.0.0");
      assert.match(env.REDIS_URL, /^redis:\/\/redis:6379\//);
      assert.ok(env.METRICS_PORT, `${name} serves /metrics on METRICS_PORT`);
      assert.ok(targets.includes(`${name}:${env.METRICS_PORT}`), `Prometheus scrapes ${name}:${env.METRICS_PORT} (targets: ${targets})`);
      const published = services[name].ports.map((p: any) => String(p.published));
      assert.deepEqual(published, [env.PORT], `${name} publishes its game port and only that (not METRICS_PORT)`);
      assert.equal(env.PUBLIC_ADDRESS, `localhost:${env.PORT}`);
    }

    // Every file compose mounts exists; each lands where the config reading it looks.
    const mounts = (service: string) =>
      Object.fromEntries(
        (services[service].volumes as any[]).map((v) => {
          const [source, target] = typeof v === "string" ? v.split(":") : [v.source, v.target];
          assert.ok(existsSync(source), `${service} mounts ${source}, which exists`);
          return [path.relative(ROOT, source), target];
        }),
      );
    const prom = mounts("prometheus");
    assert.equal(path.dirname(prom["ops/prometheus/alerts.yml"]), path.dirname(prom["ops/prometheus/prometheus.yml"]), "rule_files are relative to prometheus.yml");
    assert.deepEqual(prometheusYml.rule_files, ["alerts.yml"]);
    assert.ok(services.prometheus.command.includes(`--config.file=${prom["ops/prometheus/prometheus.yml"]}`));

    const grafana = mounts("grafana");
    const provisioning = grafana["ops/grafana/provisioning"];
    const provider = yaml(readFileSync(path.join(ROOT, "ops/grafana/provisioning/dashboards/framesync.yml"), "utf8")).providers[0];
    assert.equal(path.dirname(grafana["ops/grafana/dashboard.json"]), provider.options.path, "the dashboard file is where the provider loads from");
    assert.equal(provisioning, "/etc/grafana/provisioning");
    const datasource = yaml(readFileSync(path.join(ROOT, "ops/grafana/provisioning/datasources/prometheus.yml"), "utf8")).datasources[0];
    assert.equal(datasource.url, `http://prometheus:${services.prometheus.ports[0].target}`);
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, "ops/grafana/dashboard.json"), "utf8"));
    const dsVar = dashboard.templating.list.find((v: any) => v.type === "datasource");
    assert.equal(dsVar.current.value, datasource.uid, "the dashboard's default datasource is the provisioned one");
  });
});

describe("Prometheus config and alert rules (promtool)", () => {
  const skip = need("promtool", "prometheus");

  test("promtool check config / check rules", { skip }, () => {
    for (const args of [["check", "config", "ops/prometheus/prometheus.yml"], ["check", "rules", "ops/prometheus/alerts.yml"]]) {
      const res = run("promtool", args);
      assert.equal(res.status, 0, `promtool ${args.join(" ")}:\n${res.stdout}${res.stderr}`);
    }
  });

  test("each alert fires on its situation and only there (promtool test rules)", { skip }, () => {
    const res = run("promtool", ["test", "rules", "ops/prometheus/alerts.test.yml"]);
    assert.equal(res.status, 0, `${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /SUCCESS/);
  });
});
