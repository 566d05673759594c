// Runs the workflows' own scripts, taken from the YAML as GitHub would run them, against
// stand-ins: the sticky-comment script of perf-comment.yml with a hostile artifact and a
// fake GitHub API, and the measure and record steps of perf.yml with a fake perfdsl and a
// local bare repository as `origin`. Prints one line per case; exits 1 on any failure.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const root = path.join(__dirname, "..");
const workflow = (name) => fs.readFileSync(path.join(root, ".github", "workflows", name), "utf8");

// The block scalar `KEY: |` of the step named `step` (the first one after its name line).
function block(yaml, step, key) {
  const lines = yaml.split("\n");
  const at = lines.findIndex((l) => l.trim() === `- name: ${step}`);
  if (at < 0) throw new Error(`no step named ${step}`);
  const start = lines.findIndex((l, i) => i > at && l.trim() === `${key}: |`);
  if (start < 0) throw new Error(`step ${step} has no ${key}: |`);
  const body = [];
  let indent = null;
  for (const l of lines.slice(start + 1)) {
    if (l.trim() === "") {
      body.push("");
      continue;
    }
    const lead = l.length - l.trimStart().length;
    if (indent === null) indent = lead;
    if (lead < indent) break;
    body.push(l.slice(indent));
  }
  return body.join("\n");
}

let failures = 0;
async function check(name, f) {
  try {
    await f();
    console.log(`ok    ${name}`);
  } catch (e) {
    failures += 1;
    console.log(`FAIL  ${name}: ${e.message}`);
  }
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}

// ---- perf-comment.yml: the sticky comment ----

const marker = "<!-- perfdsl-report -->";
const commentScript = block(workflow("perf-comment.yml"), "Create or update the sticky comment", "script");
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const run = { head_sha: "abc123", head_branch: "feature", head_repository: { full_name: "fork/shop" } };

// Runs the script; returns the API calls it made and what it logged.
async function comment({ report, download = "success", pulls, comments = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perf-comment-"));
  const file = path.join(dir, "perf_report.md");
  if (report) report(file, dir);
  const calls = [];
  const logs = [];
  const github = {
    paginate: async (endpoint, args) => endpoint(args),
    rest: {
      pulls: { list: () => pulls },
      issues: {
        listComments: () => comments,
        updateComment: async (a) => calls.push({ op: "update", ...a }),
        createComment: async (a) => calls.push({ op: "create", ...a }),
      },
    },
  };
  const context = { payload: { workflow_run: run }, repo: { owner: "base", repo: "shop" } };
  const core = { info: (m) => logs.push(m), setFailed: (m) => logs.push(`failed: ${m}`) };
  const saved = { REPORT: process.env.REPORT, DOWNLOAD: process.env.DOWNLOAD };
  process.env.REPORT = file;
  process.env.DOWNLOAD = download;
  try {
    await new AsyncFunction("require", "github", "context", "core", commentScript)(require, github, context, core);
  } finally {
    Object.assign(process.env, saved);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { calls, logs };
}

const thePr = { number: 7, head: { sha: "abc123", ref: "feature", repo: { full_name: "fork/shop" } } };
const writes = (text) => (file) => fs.writeFileSync(file, text);

async function commentCases() {
  await check("a hostile report is posted inert, on the bot's own comment", async () => {
    const hostile = `${marker}\n## 🔴 report\n<details>\n<summary>Notes</summary>\n\n- <img src=x onerror=alert(1)> @everyone &#64;team &commat;org <!-- hidden -->\n- <script>x</script></details>\n- [approve](https://evil.example/a) ![px](http://evil.example/p.png) www.evil.example\n[ref]: https://evil.example/r\n> [q]: //evil.example/q\n- [l]: //evil.example/l [y][l] ![p][q] fixes #12 GH-3\n`;
    const { calls } = await comment({
      report: writes(hostile),
      pulls: [thePr],
      comments: [
        { id: 1, user: { login: "mallory", type: "User" }, body: `${marker}\nfake` },
        { id: 2, user: { login: "github-actions[bot]", type: "Bot" }, body: `${marker}\nold` },
      ],
    });
    expect(calls.length === 1 && calls[0].op === "update" && calls[0].comment_id === 2, `calls: ${JSON.stringify(calls)}`);
    const body = calls[0].body;
    expect(body.startsWith(marker + "\n"), "the marker leads");
    expect(body.split(marker).length === 2, "the marker once");
    expect(!/<img|<script|<!-- hidden/.test(body), `raw HTML left: ${body}`);
    expect(body.includes("&lt;img src=x") && body.includes("&lt;script>x&lt;/script>"), `escaped: ${body}`);
    expect(body.includes("@\u200beveryone") && !/@everyone/.test(body), "mention broken");
    expect(body.includes("&amp;#\u200b64;team") && body.includes("&amp;commat;org"), "entities shown as typed");
    expect(body.includes("<details>\n<summary>Notes</summary>") && body.includes("</details>"), "folding kept");
    expect(!/\]\(|\]:|:\/\/|www\.|#\d|GH-\d/.test(body), `a link or reference left: ${body}`);
    expect(body.includes("[approve]\u200b(https:\u200b//evil.example/a)"), `link shown as text: ${body}`);
  });
  await check("a comment by someone else is never edited: a new one is created", async () => {
    const { calls } = await comment({
      report: writes(`${marker}\nok`),
      pulls: [thePr],
      comments: [{ id: 1, user: { login: "mallory", type: "Bot" }, body: `${marker}\nfake` }],
    });
    expect(calls.length === 1 && calls[0].op === "create" && calls[0].issue_number === 7, JSON.stringify(calls));
  });
  const noted = async (name, opts, why) =>
    check(name, async () => {
      const { calls } = await comment({ pulls: [thePr], ...opts });
      expect(calls.length === 1 && calls[0].op === "create", JSON.stringify(calls));
      expect(calls[0].body.startsWith(marker) && calls[0].body.includes(why), calls[0].body);
    });
  await noted("a failed download still posts the note", { download: "failure", report: writes(`${marker}\nok`) }, "could not be downloaded");
  await noted("no report file posts the note", {}, "produced no report");
  await noted(
    "a link is not followed",
    {
      report: (file, dir) => {
        fs.writeFileSync(path.join(dir, "secret"), `${marker}\nsecret`);
        fs.symlinkSync(path.join(dir, "secret"), file);
      },
    },
    "not a regular file",
  );
  await noted("a directory is not read", { report: (file) => fs.mkdirSync(file) }, "not a regular file");
  await noted("an oversized file is not read", { report: writes(`${marker}\n${"x".repeat(300 * 1024)}`) }, "larger than 262144 bytes");
  await noted("text without the marker is not a report", { report: writes("## hello @everyone") }, "not a perfdsl report");
  for (const [name, head] of [
    ["another repository's branch of the same name", { ...thePr.head, repo: { full_name: "other/shop" } }],
    ["another branch at the same commit", { ...thePr.head, ref: "main" }],
    ["a PR whose head moved on", { ...thePr.head, sha: "def456" }],
  ]) {
    await check(`no comment on ${name}`, async () => {
      const { calls, logs } = await comment({ report: writes(`${marker}\nok`), pulls: [{ number: 9, head }] });
      expect(calls.length === 0, JSON.stringify(calls));
      expect(logs.some((l) => l.includes("no open pull request")), logs.join("; "));
    });
  }
}

// ---- perf.yml: measure propagates a broken run, record refuses it and retries pushes ----

function sh(script, opts) {
  // As GitHub runs a `run:` step: bash --noprofile --norc -eo pipefail.
  return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { encoding: "utf8", ...opts });
}
function git(cwd, ...args) {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}
const fakePerfdsl = (code, what) =>
  `#!/usr/bin/env bash\n# Stands in for perfdsl: ${what}\n${code}\n`;

async function measureCases() {
  const measure = block(workflow("perf.yml"), "perfdsl run (measure)", "run");
  for (const [code, status, copied] of [
    [0, 0, true],
    [1, 0, true],
    [2, 2, false],
    [3, 3, false],
  ]) {
    await check(`measure: perfdsl exit ${code} → step exit ${status}${copied ? ", binary uploaded" : ", nothing to record"}`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perf-measure-"));
      fs.mkdirSync(path.join(dir, "target", "release"), { recursive: true });
      const bin = path.join(dir, "target", "release", "perfdsl");
      fs.writeFileSync(bin, fakePerfdsl(`echo '{}' > perf-out/results.json\nexit ${code}`, `exits ${code}`), { mode: 0o755 });
      const r = sh(measure, { cwd: dir, env: { ...process.env, GITHUB_SHA: "a".repeat(40) } });
      expect(r.status === status, `status ${r.status}\n${r.stdout}${r.stderr}`);
      expect(fs.existsSync(path.join(dir, "perf-out", "perfdsl")) === copied, "the binary's upload");
      if (code === 1) expect(r.stdout.includes("::warning::"), r.stdout);
      if (code > 1) expect(r.stdout.includes("::error::"), r.stdout);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  const record = block(workflow("perf.yml"), "Record and push perf_history.json", "run");
  // origin: a bare repository whose main holds one commit; work: the job's checkout.
  function setup() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "perf-record-"));
    const origin = path.join(dir, "origin.git");
    const work = path.join(dir, "work");
    const out = path.join(dir, "out");
    git(dir, "init", "-q", "--bare", "-b", "main", origin);
    git(dir, "clone", "-q", origin, work);
    git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "start");
    git(work, "push", "-q", "origin", "HEAD:main");
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "results.json"), "{}");
    return { dir, origin, work, out };
  }
  const env = (t) => ({
    ...process.env,
    OUT: t.out,
    GITHUB_SHA: "b".repeat(40),
    HOME: t.dir,
    PUSH_TOKEN: "tok-should-stay-with-git",
    TEST_DIR: t.dir,
    TEST_ORIGIN: t.origin,
  });
  // Records by appending a line to the history; tells what it could see of the token;
  // with COMPETE set, another recorder lands on origin during its first call.
  const recorder = [
    'args="$*"; hist="${args##*--history }"',
    'n=$(cat "$TEST_DIR/calls" 2>/dev/null || echo 0); echo $((n + 1)) > "$TEST_DIR/calls"',
    'env > "$TEST_DIR/env.$n"; cat .git/config > "$TEST_DIR/config.$n"',
    'if [ -n "$COMPETE" ] && [ "$n" = 0 ]; then',
    '  other="$TEST_DIR/other"; git clone -q "$TEST_ORIGIN" "$other"',
    '  echo "other recorder" >> "$other/perf_history.json"',
    '  git -C "$other" add perf_history.json',
    '  git -C "$other" -c user.name=o -c user.email=o@o commit -q -m "other record"',
    '  git -C "$other" push -q origin HEAD:main',
    "fi",
    'echo "ours $GITHUB_SHA" >> "$hist"',
  ].join("\n");

  await check("record: a complete run is recorded and pushed; neither perfdsl\'s environment nor the checkout holds the token", async () => {
    const t = setup();
    // As the artifact gives it back: without its executable bit.
    fs.writeFileSync(path.join(t.out, "perfdsl"), fakePerfdsl(recorder, "records"), { mode: 0o644 });
    const r = sh(record, { cwd: t.work, env: env(t) });
    expect(r.status === 0, `status ${r.status}\n${r.stdout}${r.stderr}`);
    expect(git(t.origin, "log", "-1", "--format=%s", "main").startsWith("perf history: record bbbbbbb"), "pushed");
    const seen = fs.readFileSync(path.join(t.dir, "env.0"), "utf8") + fs.readFileSync(path.join(t.dir, "config.0"), "utf8");
    expect(!seen.includes("tok-should-stay-with-git") && !seen.includes("PUSH_TOKEN"), "perfdsl saw the token");
    expect(!/extraheader/i.test(fs.readFileSync(path.join(t.work, ".git", "config"), "utf8")), "a token in .git/config");
    fs.rmSync(t.dir, { recursive: true, force: true });
  });
  await check("record: a refused record (exit 3) fails the job and pushes nothing", async () => {
    const t = setup();
    fs.writeFileSync(path.join(t.out, "perfdsl"), fakePerfdsl("echo 'error: incomplete' >&2\nexit 3", "refuses"), { mode: 0o755 });
    const before = git(t.origin, "rev-parse", "main");
    const r = sh(record, { cwd: t.work, env: env(t) });
    expect(r.status === 3, `status ${r.status}\n${r.stdout}${r.stderr}`);
    expect(git(t.origin, "rev-parse", "main") === before, "nothing pushed");
    fs.rmSync(t.dir, { recursive: true, force: true });
  });
  await check("record: when another recorder lands first, the record is re-applied on top of it", async () => {
    const t = setup();
    fs.writeFileSync(path.join(t.out, "perfdsl"), fakePerfdsl(recorder, "records"), { mode: 0o755 });
    const r = sh(record, { cwd: t.work, env: { ...env(t), COMPETE: "1" } });
    expect(r.status === 0, `status ${r.status}\n${r.stdout}${r.stderr}`);
    expect(r.stdout.includes("push rejected (attempt 1)"), r.stdout);
    expect(fs.readFileSync(path.join(t.dir, "calls"), "utf8").trim() === "2", "recorded twice");
    const history = git(t.origin, "show", "main:perf_history.json");
    expect(history === `other recorder\nours ${"b".repeat(40)}`, `both records, once each: ${history}`);
    expect(git(t.origin, "log", "-1", "--format=%s", "main^").startsWith("other record"), "on top of the other");
    fs.rmSync(t.dir, { recursive: true, force: true });
  });
}

(async () => {
  await commentCases();
  await measureCases();
  console.log(`workflow scripts: ${failures} failure(s)`);
  process.exit(failures === 0 ? 0 : 1);
})();
