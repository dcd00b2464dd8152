// Release Guardian dashboard: plain JavaScript, no build step, nothing loaded from elsewhere.
// Live, it reads the management API with the key from ?code= (or asked once, kept for the tab's session).
// Saved as a report, the same data is embedded in <script id="guardian-data"> and nothing is fetched.
(() => {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const KEY_STORAGE = 'release-guardian-api-key';
  const REFRESH_MS = 10000;
  // Past this many guardians the page lists them all (searchable) and loads the full evidence only for the chosen
  // ones: the evidence costs four requests and more per guardian, the list one request per 200 guardians.
  const DETAIL_LIMIT = 5;
  const PAGE_SIZE = 200;
  // The newest releases per guardian; older ones are in GET /api/guardians/{id}/releases and the timeline.
  const RELEASES_SHOWN = 10;
  let search = '';

  // ---------- DOM helpers (text always goes in as text, never as HTML) ----------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    applyAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    applyAttrs(node, attrs);
    append(node, children);
    return node;
  }

  function applyAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  // ---------- Formatting ----------

  function formatValue(signal, value) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    if (signal === 'errors.rate') {
      const pct = value * 100;
      if (pct === 0) return '0%';
      return (pct < 1 ? trim(pct.toFixed(2)) : trim(pct.toFixed(1))) + '%';
    }
    if (signal.startsWith('latency.')) return (value < 10 ? trim(value.toFixed(1)) : String(Math.round(value))) + ' ms';
    if (signal === 'traffic.requests' || signal === 'errors.count' || signal === 'sample.count') return String(Math.round(value));
    if (signal === 'traffic.rps') return trim(value.toFixed(1)) + '/s';
    return String(Number(value.toPrecision(4)));
  }

  function trim(text) {
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  }

  function formatTime(iso) {
    if (!iso) return '';
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(11, 19);
  }

  function formatDateTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  function shortRun(runId) {
    return String(runId).replace(/^lt-/, '');
  }

  function flagState(state) {
    if (!state) return '?';
    if (state.variant) return `'${state.variant}'`;
    if (state.enabled === true) return 'on';
    if (state.enabled === false) return 'off';
    return '?';
  }

  function decisionBadge(decision, extraClass) {
    const label = { go: 'GO', nogo: 'NO-GO', inconclusive: 'INCONCLUSIVE' }[decision] || String(decision || '–').toUpperCase();
    return el('span', { class: `badge badge-${decision || 'inconclusive'} ${extraClass || ''}`.trim(), text: label });
  }

  // ---------- Data ----------

  async function loadFromApi(key) {
    const get = async (path) => {
      const response = await fetch(path, { headers: { 'x-functions-key': key, accept: 'application/json' }, cache: 'no-store' });
      if (!response.ok) {
        let detail = `${response.status} ${response.statusText}`;
        try {
          const problem = await response.json();
          detail = problem.detail || problem.title || detail;
        } catch { /* not JSON */ }
        const error = new Error(detail);
        error.status = response.status;
        throw error;
      }
      return response.json();
    };

    // GET /api/guardians is paged (pageSize, continuation): follow it to the end.
    const index = [];
    let continuation = null;
    do {
      const page = await get(`api/guardians?pageSize=${PAGE_SIZE}` + (continuation ? `&continuation=${encodeURIComponent(continuation)}` : ''));
      index.push(...page.guardians);
      continuation = page.continuation || null;
    } while (continuation);

    const chosen = chosenGuardian();
    const detailed = index.length <= DETAIL_LIMIT ? index : index.filter((g) => g.id === chosen).concat(chosen ? [] : index.slice(0, 1));
    const guardians = await Promise.all(detailed.map(async (summary) => {
      const id = encodeURIComponent(summary.id);
      const [guardian, runPage, timeline, notifications, releases] = await Promise.all([
        get(`api/guardians/${id}`),
        get(`api/guardians/${id}/runs?pageSize=200`),
        get(`api/guardians/${id}/timeline?pageSize=200`),
        get(`api/notifications?guardian=${id}&pageSize=200`),
        get(`api/guardians/${id}/releases?pageSize=${RELEASES_SHOWN}`),
      ]);
      const runs = await Promise.all(runPage.runs.map((run) => get(`api/guardians/${id}/runs/${encodeURIComponent(run.runId)}`)));
      return { guardian, runs, timeline: timeline.entries, notifications: notifications.notifications, releases: releases.releases };
    }));
    return { generatedAt: new Date().toISOString(), guardians, index };
  }

  function chosenGuardian() {
    return new URLSearchParams(location.hash.slice(1)).get('guardian');
  }

  // What the page needs to know about one guardian, worked out once.
  function model(entry) {
    const definition = entry.guardian.definition || {};
    const runs = [...entry.runs].sort((a, b) => String(a.window && a.window.start).localeCompare(String(b.window && b.window.start)));
    const rollbacks = new Map();
    for (const item of entry.timeline || []) {
      if (item.kind === 'rollback') rollbacks.set(String(item.id).replace(/:rollback$/, ''), item.data || {});
    }
    const notificationsByRun = new Map();
    for (const notification of entry.notifications || []) {
      if (notification.message && notification.message.runId) notificationsByRun.set(notification.message.runId, notification);
    }
    const decisionOf = (run) => (run.verdict && run.verdict.decision) || 'inconclusive';
    const nogo = [...runs].reverse().find((run) => decisionOf(run) === 'nogo');
    const latest = runs[runs.length - 1];
    return { definition, runs, rollbacks, notificationsByRun, decisionOf, nogo, latest, entry };
  }

  function objectiveOf(run, name) {
    return ((run.verdict && run.verdict.objectives) || []).find((o) => o.name === name);
  }

  function failedObjectives(run) {
    return ((run && run.verdict && run.verdict.objectives) || []).filter((o) => o.status === 'fail' || o.status === 'error');
  }

  function describeFailure(objective) {
    if (objective.status === 'error') return `${objective.name}: ${objective.explanation || 'not measured'}`;
    const value = formatValue(objective.signal, objective.value);
    const failure = formatValue(objective.signal, objective.failure);
    const lower = objective.direction !== 'higherIsBetter';
    let text = `${objective.name} ${value} is ${lower ? 'above' : 'below'} the failure threshold ${failure}`;
    if (objective.mode === 'adaptive' && objective.baseline) {
      text += ` (learned from ${objective.baseline.runs.length} earlier runs, median ${formatValue(objective.signal, objective.baseline.median)})`;
    }
    return text;
  }

  // ---------- Rendering ----------

  function render(data, source) {
    const app = document.getElementById('app');
    document.getElementById('source').textContent = source;
    const guardians = (data.guardians || []).map(model);
    const index = data.index && data.index.length > guardians.length ? renderIndex(data.index) : null;
    app.replaceChildren(...(guardians.length === 0 && !index
      ? [el('p', { class: 'muted', text: 'No guardians yet. PUT one at /api/guardians/{id} (see the README).' })]
      : [index, ...guardians.map(renderGuardian)].filter(Boolean)));
  }

  // Every guardian in one light list: a search box filters it as you type, a click loads that one's evidence.
  function renderIndex(index) {
    const focused = document.activeElement && document.activeElement.id === 'guardian-search';
    const input = el('input', { id: 'guardian-search', type: 'search', placeholder: 'search by id, name, service or flag', 'aria-label': 'search guardians' });
    input.value = search;
    const count = el('span', { class: 'muted' });
    const rows = index.map((g) => {
      const text = [g.id, g.displayName, g.service, g.flag].filter(Boolean).join(' ').toLowerCase();
      const row = el('li', { 'data-guardian-id': g.id },
        el('a', { href: `#guardian=${encodeURIComponent(g.id)}` }, el('strong', { text: g.displayName || g.id })),
        el('span', { class: 'muted', text: ` ${g.id} · ${g.service || ''} · ${g.flag || 'no flag'} · ${g.objectives} objectives` }));
      row.searchText = text;
      return row;
    });
    const filter = () => {
      search = input.value;
      const term = search.trim().toLowerCase();
      let shown = 0;
      for (const row of rows) {
        row.hidden = term !== '' && !row.searchText.includes(term);
        if (!row.hidden) shown += 1;
      }
      count.textContent = term === '' ? `${index.length} guardians` : `${shown} of ${index.length} guardians`;
    };
    input.addEventListener('input', filter);
    filter();
    const list = el('ul', { class: 'guardian-index' }, rows);
    const section = el('section', { class: 'index', 'data-index': index.length },
      el('div', { class: 'guardian-head' }, el('h1', { text: 'Guardians' }), count), input, list);
    if (focused) queueMicrotask(() => input.focus());
    return section;
  }

  function renderGuardian(m) {
    const d = m.definition;
    const flag = d.flag ? `${d.flag.key} (${d.flag.provider})` : 'no flag bound';
    return el('section', { class: 'guardian', 'data-guardian': d.id },
      el('div', { class: 'guardian-head' },
        el('h1', { text: d.displayName || d.id }),
        el('span', { class: 'facts' },
          'guardian ', el('code', { text: d.id }), ' · flag ', el('code', { text: flag }),
          ` · metrics ${(d.metrics && d.metrics.source) || 'loadtest'} · ${m.runs.length} runs`)),
      renderBanners(m),
      renderReleases(m),
      renderRunStrip(m),
      el('h2', { class: 'section', text: 'Objectives, run by run' }),
      el('div', { class: 'charts' }, (d.objectives || []).map((objective) => renderChart(m, objective))),
      renderLegend(),
      el('div', { class: 'columns' },
        el('div', {},
          el('h2', { class: 'section', text: 'Timeline' }),
          el('div', { class: 'panel' }, renderTimeline(m))),
        el('div', {},
          el('h2', { class: 'section', text: 'Notifications' }),
          el('div', { class: 'panel' }, renderNotifications(m)))));
  }

  function renderBanners(m) {
    const banners = [];
    const flagKey = (m.definition.flag && m.definition.flag.key) || 'the change';
    if (m.nogo) {
      const run = m.nogo;
      const rollback = m.rollbacks.get(run.runId);
      const rolledBack = rollback && rollback.result === 'rolled-back';
      const change = run.changeUnderTest;
      const notification = m.notificationsByRun.get(run.runId);
      const restored = notification && notification.message && notification.message.action && notification.message.action.restoredTo;
      const failures = failedObjectives(run);
      banners.push(el('div', { class: 'banner banner-nogo', 'data-banner': 'nogo' },
        el('div', { class: 'big', text: 'NO-GO' }),
        el('div', { class: 'headline', text: rolledBack
          ? `${flagKey} was rolled back automatically${restored ? ` to ${flagState(restored)}` : ''}`
          : `${flagKey} failed validation${rollback ? ` (rollback: ${rollback.result})` : ''}` }),
        el('div', { class: 'reason' }, 'Why: ', failures.length ? failures.map(describeFailure).join('; ') : (run.verdict && run.verdict.explanation) || ''),
        el('div', { class: 'meta', text: [
          `run ${run.runId} at ${formatTime(run.window && run.window.end)} UTC`,
          change ? `change ${flagState(change.previous)} → ${flagState(change.current)} by ${change.actor || 'someone'} at ${formatTime(change.changedAt)} UTC` : 'no flag change under test',
          notification ? `notification sent to ${(notification.deliveries || []).filter((d) => d.delivered).length} of ${(notification.deliveries || []).length} targets` : null,
        ].filter(Boolean).join(' · ') })));
      const after = m.runs.slice(m.runs.indexOf(run) + 1);
      const recovered = after.length && after.every((r) => m.decisionOf(r) === 'go') ? after[after.length - 1] : null;
      if (recovered) {
        banners.push(el('div', { class: 'banner banner-go', 'data-banner': 'recovered' },
          el('div', { class: 'big', text: 'GO' }),
          el('div', { class: 'headline', text: `Recovered: run ${recovered.runId} passed after the rollback` }),
          el('div', { class: 'meta', text: summarizeObjectives(recovered) })));
      }
    } else if (m.latest) {
      const decision = m.decisionOf(m.latest);
      banners.push(el('div', { class: `banner ${decision === 'go' ? 'banner-go' : 'banner-quiet'}`, 'data-banner': decision },
        el('div', { class: 'big', text: decision === 'go' ? 'GO' : decision.toUpperCase() }),
        el('div', { class: 'headline', text: `Latest run ${m.latest.runId}: ${(m.latest.verdict && m.latest.verdict.explanation) || m.latest.status}` }),
        el('div', { class: 'meta', text: summarizeObjectives(m.latest) })));
    } else {
      banners.push(el('div', { class: 'banner banner-quiet' },
        el('div', { class: 'big', text: 'NEW' }),
        el('div', { class: 'headline', text: 'No runs yet: post a load-test result to start training.' })));
    }
    return banners;
  }

  // A stage in a few words, as the timeline and the CLI write it (ReleaseStageText.Cell): "10% ✓ go", "50% … validating".
  function stageCell(rollout, state, decision) {
    switch (state) {
      case 'passed': return `${rollout}% ✓ ${decision || 'go'}`;
      case 'failed': return `${rollout}% ✗ ${decision || 'nogo'}`;
      case 'pending': case undefined: case null: case '': return `${rollout}% pending`;
      case 'aborted': return `${rollout}% aborted`;
      case 'paused': return `${rollout}% ‖ paused${decision ? ` (${decision})` : ''}`;
      default: return `${rollout}% … ${state}`;
    }
  }

  // Each release as a row of stages: rollout, verdict or state, and a link to each stage's evaluated runs.
  function renderReleases(m) {
    const releases = m.entry.releases || [];
    if (!releases.length) return null;
    const guardianId = m.definition.id || (m.entry.guardian && m.entry.guardian.id) || '';
    return el('div', { class: 'releases' },
      el('h2', { class: 'section', text: 'Releases' }),
      releases.map((release) => {
        const flag = release.flag ? `${release.flag.provider} flag ${release.flag.key}` : 'its flag';
        const stages = Array.isArray(release.stages) ? release.stages : [];
        return el('div', { class: `release release-${release.state}`, 'data-release': release.releaseId, 'data-state': release.state },
          el('div', { class: 'release-head' },
            el('code', { text: release.releaseId }), ' ',
            el('span', { class: `badge badge-release-${release.state}`, 'data-release-state': release.state, text: String(release.state || '?').toUpperCase() }),
            el('span', { class: 'muted', text: ` ${flag} · started ${formatDateTime(release.startedAt)}` })),
          el('ol', { class: 'stages' }, stages.map((stage) => {
            const evaluations = Array.isArray(stage.evaluations) ? stage.evaluations : [];
            const last = evaluations[evaluations.length - 1];
            const decision = last ? last.decision : null;
            return el('li', {
              class: `stage stage-${stage.state}`, 'data-stage': stage.stage, 'data-rollout': stage.rollout,
              'data-stage-state': stage.state, 'data-decision': decision,
              title: last && last.headline ? last.headline : null,
            },
              el('span', { class: 'cell', text: stageCell(stage.rollout, stage.state, decision) }),
              evaluations.filter((e) => e.runId).map((e) => el('a', {
                class: 'stage-run', 'data-run-link': e.runId,
                href: `#guardian=${encodeURIComponent(guardianId)}&run=${encodeURIComponent(e.runId)}`,
                text: `run ${e.attempt || ''}`.trim(),
              })));
          })),
          el('div', { class: 'release-detail', text: release.detail || '' }));
      }));
  }

  function showLinkedRun() {
    const run = new URLSearchParams(location.hash.slice(1)).get('run');
    if (!run) return;
    const target = document.querySelector(`.run[data-run="${CSS.escape(run)}"]`);
    if (target) {
      target.classList.add('linked');
      target.scrollIntoView({ block: 'center' });
    }
  }

  function summarizeObjectives(run) {
    return ((run.verdict && run.verdict.objectives) || [])
      .map((o) => `${o.name} ${formatValue(o.signal, o.value)} ${o.status}`).join(' · ');
  }

  function renderRunStrip(m) {
    return el('div', { class: 'runs' }, m.runs.map((run) => {
      const decision = m.decisionOf(run);
      const training = run.purpose === 'training';
      const rollback = m.rollbacks.get(run.runId);
      const trainingNote = ((run.verdict && run.verdict.objectives) || []).map((o) => o.training).find(Boolean);
      return el('div', {
        class: `run is-${decision}${training ? ' is-training' : ''}`,
        'data-run': run.runId, 'data-decision': decision, 'data-purpose': run.purpose,
      },
        el('div', { class: 'id', text: shortRun(run.runId) }),
        el('div', {},
          training
            ? el('span', { class: 'badge badge-training', text: trainingNote ? `TRAINING ${trainingNote.count + 1}/${trainingNote.required}` : 'TRAINING' })
            : decisionBadge(decision), ' ',
          rollback ? el('span', { class: 'badge badge-rolledback', text: rollback.result === 'rolled-back' ? 'ROLLED BACK' : String(rollback.result).toUpperCase() }) : null),
        el('div', { class: 'sub', text: `${run.purpose} · ${formatTime(run.window && run.window.end)}` }));
    }));
  }

  function renderLegend() {
    const item = (color, label, extra) => el('span', {}, el('span', { class: 'swatch', style: `background:${color};${extra || ''}` }), label);
    return el('div', { class: 'legend' },
      item('#dcfce7', 'pass zone'),
      item('#fef3c7', 'warning zone (between the learned/static warning and failure thresholds)'),
      item('#fee2e2', 'fail zone'),
      item('#ffffff', 'training run (baseline still learning)', 'border:2px solid #94a3b8;border-radius:50%;width:10px'),
      item('#b91c1c', 'rolled-back run', 'opacity:0.35'));
  }

  // One chart per objective: the value of every run against the thresholds that run was judged with.
  function renderChart(m, objective) {
    const W = 460, H = 250, left = 56, right = 92, top = 26, bottom = 56;
    const plotW = W - left - right, plotH = H - top - bottom;
    const lower = objective.direction !== 'higherIsBetter';
    const points = m.runs.map((run) => {
      const judged = objectiveOf(run, objective.name) || {};
      const raw = judged.value ?? (run.signals ? run.signals[objective.signal] : undefined);
      return {
        run, judged,
        value: typeof raw === 'number' ? raw : null,
        warning: typeof judged.warning === 'number' ? judged.warning : null,
        failure: typeof judged.failure === 'number' ? judged.failure : null,
        status: judged.status || 'info',
        training: run.purpose === 'training',
        rolledBack: (m.rollbacks.get(run.runId) || {}).result === 'rolled-back',
      };
    });

    const values = points.flatMap((p) => [p.value, p.warning, p.failure]).filter((v) => typeof v === 'number');
    let lo = values.length ? Math.min(...values) : 0;
    let hi = values.length ? Math.max(...values) : 1;
    const nonNegative = lo >= 0;
    if (lower && nonNegative) lo = 0;
    const span = hi - lo || Math.abs(hi) || 1;
    if (lower) {
      hi += span * 0.2;
    } else {
      hi += span * 0.25;
      lo -= span * 0.3;
      if (nonNegative) lo = Math.max(lo, 0);
    }
    const ticks = niceTicks(lo, hi, 4);
    lo = Math.min(lo, ticks[0]);
    hi = Math.max(hi, ticks[ticks.length - 1]);
    const y = (v) => top + plotH - ((v - lo) / (hi - lo)) * plotH;
    const step = plotW / Math.max(points.length, 1);
    const x = (i) => left + step * (i + 0.5);

    const layers = { bands: [], grid: [], marks: [], lines: [], points: [], labels: [] };

    for (const t of ticks) {
      layers.grid.push(svg('line', { x1: left, x2: left + plotW, y1: y(t), y2: y(t), stroke: '#e2e8f0' }));
      layers.grid.push(svg('text', { x: left - 6, y: y(t) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#64748b', text: formatValue(objective.signal, t) }));
    }

    points.forEach((p, i) => {
      const x0 = left + step * i, x1 = x0 + step;
      if (p.warning !== null || p.failure !== null) {
        const w = p.warning ?? p.failure, f = p.failure ?? p.warning;
        const zones = lower
          ? [[lo, w, '#dcfce7'], [w, f, '#fef3c7'], [f, hi, '#fee2e2']]
          : [[w, hi, '#dcfce7'], [f, w, '#fef3c7'], [lo, f, '#fee2e2']];
        for (const [a, b, color] of zones) {
          const top1 = y(Math.min(Math.max(a, b), hi)), bottom1 = y(Math.max(Math.min(a, b), lo));
          if (bottom1 - top1 > 0.1) layers.bands.push(svg('rect', { x: x0, y: top1, width: step, height: bottom1 - top1, fill: color }));
        }
      } else if (p.training) {
        layers.bands.push(svg('rect', { x: x0, y: top, width: step, height: plotH, fill: '#f1f5f9' }));
      }
      if (p.rolledBack) {
        layers.marks.push(svg('rect', { x: x0 + 2, y: top - 16, width: step - 4, height: plotH + 16, fill: 'none', stroke: '#b91c1c', 'stroke-width': 2, rx: 4, 'data-mark': 'rolled-back' }));
        layers.marks.push(svg('text', { x: x0 + step / 2, y: top - 5, 'text-anchor': 'middle', 'font-size': 10.5, 'font-weight': 700, fill: '#b91c1c', text: 'ROLLED BACK' }));
      }
      const label = shortRun(p.run.runId);
      layers.labels.push(svg('text', {
        x: x(i), y: top + plotH + 12, 'text-anchor': 'end', 'font-size': 10.5, fill: p.rolledBack ? '#b91c1c' : '#334155',
        'font-weight': p.rolledBack ? 700 : 400, transform: `rotate(-35 ${x(i)} ${top + plotH + 12})`, text: label,
      }));
    });

    const trainingRuns = points.filter((p) => p.training && p.warning === null && p.failure === null);
    if (trainingRuns.length) {
      const first = points.indexOf(trainingRuns[0]), last = points.indexOf(trainingRuns[trainingRuns.length - 1]);
      layers.marks.push(svg('text', {
        x: (x(first) + x(last)) / 2, y: top + 14, 'text-anchor': 'middle', 'font-size': 11, fill: '#64748b',
        text: `training: learning the baseline (${trainingRuns.length} runs)`,
      }));
    }

    for (const [key, color, dash] of [['warning', '#d97706', '5 4'], ['failure', '#b91c1c', null]]) {
      let path = '';
      points.forEach((p, i) => {
        const v = p[key];
        if (v === null) return;
        const x0 = left + step * i, x1 = x0 + step, yy = y(Math.min(Math.max(v, lo), hi));
        path += (i > 0 && points[i - 1][key] !== null ? `L${x0},${yy}` : `M${x0},${yy}`) + `L${x1},${yy}`;
      });
      if (path) {
        layers.lines.push(svg('path', { d: path, stroke: color, 'stroke-width': key === 'failure' ? 2 : 1.5, fill: 'none', 'stroke-dasharray': dash }));
        const lastPoint = [...points].reverse().find((p) => p[key] !== null);
        layers.lines.push(svg('text', {
          x: left + plotW + 6, y: y(Math.min(Math.max(lastPoint[key], lo), hi)) + (key === 'failure' ? (lower ? -3 : 11) : (lower ? 11 : -3)),
          'font-size': 11, fill: color, 'font-weight': 700, text: `${key} ${formatValue(objective.signal, lastPoint[key])}`,
        }));
      }
    }

    const drawn = points.map((p, i) => ({ p, i })).filter(({ p }) => p.value !== null);
    if (drawn.length > 1) {
      layers.lines.push(svg('polyline', {
        points: drawn.map(({ p, i }) => `${x(i)},${y(p.value)}`).join(' '), fill: 'none', stroke: '#64748b', 'stroke-width': 1.5,
      }));
    }
    for (const { p, i } of drawn) {
      const color = { pass: '#15803d', warning: '#d97706', fail: '#b91c1c', error: '#b91c1c' }[p.status] || '#64748b';
      const hollow = p.training && p.status === 'info';
      layers.points.push(svg('circle', {
        cx: x(i), cy: y(p.value), r: p.status === 'fail' ? 7 : 5,
        fill: hollow ? '#ffffff' : color, stroke: hollow ? '#64748b' : '#ffffff', 'stroke-width': hollow ? 2 : 1.5,
        'data-run': p.run.runId, 'data-status': p.status,
      }, svg('title', { text: `${p.run.runId}: ${formatValue(objective.signal, p.value)} (${p.status})${p.judged.explanation ? ' — ' + p.judged.explanation : ''}` })));
      if (p.status === 'fail' || p.rolledBack) {
        layers.points.push(svg('text', {
          x: x(i), y: y(p.value) - 11, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 700, fill: color,
          text: formatValue(objective.signal, p.value),
        }));
      }
    }

    const failedIn = points.filter((p) => p.status === 'fail' && !p.training);
    const settings = objective.thresholds || {};
    const kind = settings.mode === 'static'
      ? `static: warning ${formatValue(objective.signal, settings.warning)}, failure ${formatValue(objective.signal, settings.failure)}`
      : settings.mode === 'adaptive' ? 'adaptive: learned from earlier runs' : 'no thresholds';
    return el('figure', {
      class: `chart${failedIn.length ? ' failed' : ''}`, 'data-objective': objective.name, 'data-signal': objective.signal, style: 'margin:0',
    },
      el('div', { class: 'chart-head' },
        el('span', { class: 'chart-title' }, objective.name, objective.key ? el('span', { class: 'chart-sub', text: ' · key objective' }) : null),
        failedIn.length ? el('span', { class: 'badge badge-nogo', text: 'FAILED' }) : el('span', { class: 'chart-sub', text: objective.signal })),
      el('div', { class: 'chart-sub', text: `${lower ? 'lower' : 'higher'} is better · ${kind}` }),
      failedIn.length ? el('div', { class: 'chart-why status-fail', text: describeFailure(failedIn[failedIn.length - 1].judged) + ` in ${failedIn[failedIn.length - 1].run.runId}` }) : null,
      svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${objective.name} per run` },
        layers.bands, layers.grid, layers.marks, layers.lines, layers.points, layers.labels,
        svg('line', { x1: left, x2: left, y1: top, y2: top + plotH, stroke: '#94a3b8' }),
        svg('line', { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH, stroke: '#94a3b8' })));
  }

  function niceTicks(lo, hi, count) {
    const span = hi - lo || 1;
    const raw = span / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let t = Math.floor(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return ticks;
  }

  function renderTimeline(m) {
    const entries = [...(m.entry.timeline || [])].sort((a, b) => String(a.time).localeCompare(String(b.time)));
    if (!entries.length) return el('p', { class: 'muted', text: 'Nothing happened yet.' });
    const labels = { flagChange: 'flag change', loadTest: 'load test', verdict: 'verdict', rollback: 'rollback', notification: 'notified', chaos: 'chaos', release: 'release' };
    return el('ol', { class: 'timeline' }, entries.map((entry) => {
      const nogo = entry.kind === 'verdict' && entry.data && entry.data.decision === 'nogo';
      const important = nogo || entry.kind === 'rollback' || entry.kind === 'flagChange';
      return el('li', { class: important ? 'important' : null, 'data-kind': entry.kind },
        el('span', { class: 'time', text: formatTime(entry.time) }),
        el('span', { class: `kind kind-${entry.kind}${nogo ? ' nogo' : ''}`, text: nogo ? 'no-go' : (labels[entry.kind] || entry.kind) }),
        el('span', { text: entry.summary }));
    }));
  }

  function renderNotifications(m) {
    const notifications = m.entry.notifications || [];
    if (!notifications.length) return el('p', { class: 'muted', text: 'No notifications: nothing needed anyone\'s attention.' });
    return notifications.map((notification) => {
      const message = notification.message || {};
      const change = message.change;
      const action = message.action || {};
      return el('article', { class: 'notification', 'data-notification': notification.kind },
        el('h3', {}, decisionBadge(message.decision), ' ', message.headline || notification.kind),
        el('div', { class: 'fact muted', text: `${notification.kind} · run ${message.runId} · ${formatDateTime(notification.time)}` }),
        el('table', {},
          el('thead', {}, el('tr', {},
            el('th', { text: 'objective' }), el('th', { class: 'num', text: 'value' }), el('th', { class: 'num', text: 'warning' }),
            el('th', { class: 'num', text: 'failure' }), el('th', { text: 'status' }))),
          el('tbody', {}, (message.objectives || []).map((o) => el('tr', { class: o.status === 'fail' ? 'failed' : null },
            el('td', { text: o.name + (o.key ? ' (key)' : '') }),
            el('td', { class: 'num', text: formatValue(o.signal, o.value) }),
            el('td', { class: 'num', text: formatValue(o.signal, o.warning) }),
            el('td', { class: 'num', text: formatValue(o.signal, o.failure) }),
            el('td', { class: `status-${o.status}`, text: o.status }))))),
        (message.objectives || []).filter((o) => o.status === 'fail' || o.status === 'error')
          .map((o) => el('div', { class: 'why', text: `Why: ${o.explanation}` })),
        change ? el('div', { class: 'fact', text: `Change under test: ${change.flagKey} ${flagState(change.previous)} → ${flagState(change.current)} by ${change.actor || 'someone'} at ${formatDateTime(change.changedAt)}` }) : null,
        action.summary ? el('div', { class: 'fact' }, el('strong', { text: 'Action: ' }), action.summary) : null,
        (notification.deliveries || []).map((d) => el('div', { class: 'fact muted', text: `Delivered to ${d.target}: ${d.delivered ? 'yes' : `no (${d.error || d.statusCode})`}` })));
    });
  }

  // ---------- Start ----------

  function askForKey(message) {
    const form = document.getElementById('key-form');
    const error = document.getElementById('key-error');
    document.getElementById('app').replaceChildren();
    form.hidden = false;
    error.hidden = !message;
    error.textContent = message || '';
    form.onsubmit = (event) => {
      event.preventDefault();
      const key = document.getElementById('key-input').value.trim();
      if (!key) return;
      form.hidden = true;
      start(key);
    };
  }

  let refresh = null;

  async function start(key) {
    try {
      const began = performance.now();
      const data = await loadFromApi(key);
      try { sessionStorage.setItem(KEY_STORAGE, key); } catch { /* storage may be off */ }
      render(data, `live · ${location.host} · updated ${formatTime(data.generatedAt)} UTC`);
      showLinkedRun();
      document.body.dataset.renderMs = String(Math.round(performance.now() - began));
      document.body.dataset.ready = 'true';
      // One refresh timer, however often the hash changed in between.
      clearTimeout(refresh);
      refresh = setTimeout(() => { if (document.visibilityState === 'visible') start(key); else refresh = setTimeout(() => start(key), REFRESH_MS); }, REFRESH_MS);
    } catch (error) {
      if (error.status === 401) {
        try { sessionStorage.removeItem(KEY_STORAGE); } catch { /* storage may be off */ }
        askForKey(`The API key was refused: ${error.message}`);
      } else {
        document.getElementById('app').replaceChildren(el('p', { class: 'error', text: `Could not read the management API: ${error.message}` }));
        document.body.dataset.error = error.message;
      }
    }
  }

  const embedded = document.getElementById('guardian-data');
  if (embedded) {
    const data = JSON.parse(embedded.textContent);
    render(data, `report saved ${formatDateTime(data.generatedAt)} · self-contained, works offline`);
    showLinkedRun();
    window.addEventListener('hashchange', showLinkedRun);
    document.body.dataset.ready = 'true';
  } else {
    const fromUrl = new URLSearchParams(location.search).get('code');
    let stored = null;
    try { stored = sessionStorage.getItem(KEY_STORAGE); } catch { /* storage may be off */ }
    const key = fromUrl || stored;
    if (key) {
      start(key);
      window.addEventListener('hashchange', () => start(key));
    } else askForKey();
  }
})();
