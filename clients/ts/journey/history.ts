// A person's history as a phone writes and reads it: sessions from a routine, retried
// with an Idempotency-Key, the list page by page, one session edited, the statistics.
import { randomUUID } from "node:crypto";
import { type Api, type Closed, type Schemas, check, ok, refused } from "../api.js";

type Session = Schemas["Session"];
type SessionInput = Schemas["SessionInput"];

/** A session that follows a routine step by step, as the guided player records it. */
export function fromRoutine(routine: Schemas["RoutineDetail"], startedAt: Date, id?: string): SessionInput {
  const steps: Schemas["Step"][] = routine.steps.map((step) => ({
    point: step.point,
    side: step.side,
    seconds: step.seconds,
    pressure: step.pressure,
  }));
  const input: SessionInput = {
    started_at: startedAt.toISOString(),
    duration_seconds: routine.total_seconds,
    routine: routine.slug,
    condition: routine.conditions[0] ?? null,
    steps,
    stress_before: 7,
    stress_after: 3,
  };
  return id === undefined ? input : { ...input, id };
}

/** What a history row shows; the fields are always there, null when not recorded. */
export function historyLine(session: Session): string {
  const routine: string | null = session.routine;
  const condition: string | null = session.condition;
  const painBefore: number | null = session.pain_before;
  const stressAfter: number | null = session.stress_after;
  const notes: string | null = session.notes;
  const mood: string | null = session.mood;
  return [session.started_at, routine, condition, painBefore, stressAfter, mood, notes].join(" | ");
}

function daysAgo(days: number): Date {
  return new Date(Date.now() - days * 86_400_000);
}

/**
 * The first session is sent twice with one Idempotency-Key, as a phone retries when
 * the answer is lost: the second answer replays the first (same session, marked as a
 * replay). Points unsafe in pregnancy come back as warnings.
 */
export async function createSessions(api: Api, routine: Schemas["RoutineDetail"], count: number): Promise<Session[]> {
  const key = randomUUID();
  const body = fromRoutine(routine, daysAgo(count));
  const first = await api.POST("/v1/me/sessions", { body, params: { header: { "idempotency-key": key } } });
  const created = ok(first, 201);
  check(first.response.headers.get("idempotency-replayed") === null, "a first answer is not a replay");
  const retry = await api.POST("/v1/me/sessions", { body, params: { header: { "idempotency-key": key } } });
  const replayed = ok(retry, 201);
  check(retry.response.headers.get("idempotency-replayed") === "true", "the retry is marked as a replay");
  check(replayed.session.id === created.session.id, "the retry stored nothing new");
  const sessions = [created.session];
  const hegu: SessionInput = {
    started_at: daysAgo(count - 1).toISOString(),
    duration_seconds: 120,
    condition: "tension-headache",
    steps: [{ point: "LI4", side: "both", seconds: 60, pressure: "firm" }],
    pain_before: 6,
    pain_after: 3,
  };
  const warned = ok(await api.POST("/v1/me/sessions", { body: hegu, params: { header: { "idempotency-key": randomUUID() } } }), 201);
  const [warning] = warned.warnings;
  check(warning !== undefined && warning.point === "LI4", "LI4 in pregnancy is warned about");
  const warningCode: Closed<typeof warning.code> = warning.code;
  check(warning.message.length > 0, ["warning", warningCode, "says why"].join(" "));
  sessions.push(warned.session);
  for (let day = count - 2; day > 0; day -= 1) {
    const input = fromRoutine(routine, daysAgo(day));
    sessions.push(ok(await api.POST("/v1/me/sessions", { body: input, params: { header: { "idempotency-key": randomUUID() } } }), 201).session);
  }
  return sessions;
}

/** The history list, two rows a page, newest first, until there is no next cursor. */
export async function listPages(api: Api): Promise<Session[]> {
  const rows: Session[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: { limit: number; cursor?: string } = cursor === null ? { limit: 2 } : { limit: 2, cursor };
    const page = ok(await api.GET("/v1/me/sessions", { params: { query } }), 200);
    rows.push(...page.items);
    cursor = page.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  const times = rows.map((row) => Date.parse(row.started_at));
  check(times.every((time, i) => time <= (times[i - 1] ?? Infinity)), "newest first");
  rows.forEach(historyLine);
  return rows;
}

/** A note added afterwards (merge patch: only the note changes). */
export async function addNote(api: Api, session: Session, notes: string): Promise<Session> {
  const id = session.id;
  const { session: patched } = ok(await api.PATCH("/v1/me/sessions/{id}", { params: { path: { id } }, body: { notes } }), 200);
  check(patched.notes === notes && patched.duration_seconds === session.duration_seconds, "only the note changed");
  const read = ok(await api.GET("/v1/me/sessions/{id}", { params: { path: { id } } }), 200);
  check(read.updated_at === patched.updated_at, "the stored session is the patched one");
  return read;
}

/** The statistics screen for the last month. */
export async function stats(api: Api, sessions: number): Promise<void> {
  const query = { from: daysAgo(30).toISOString().slice(0, 10), to: daysAgo(-1).toISOString().slice(0, 10) };
  const stats = ok(await api.GET("/v1/me/stats", { params: { query } }), 200);
  check(stats.total.sessions === sessions, `stats count ${sessions} sessions, not ${stats.total.sessions}`);
  const stressChange: number | null = stats.total.stress_change;
  const painChange: number | null = stats.total.pain_change;
  check(stressChange !== null && stressChange < 0, `stress went down (pain ${painChange ?? "not recorded"})`);
  check(stats.per_day.length > 0 && stats.streaks.longest >= 1, "days and streaks are counted");
}

/**
 * What the app shows when it gets something wrong: a field out of range (422, the
 * field named), a key reused for another body (422), a cursor it mangled (400).
 */
export async function refusals(api: Api, routine: Schemas["RoutineDetail"]): Promise<void> {
  const body = { ...fromRoutine(routine, new Date()), pain_before: 11 };
  const invalid = refused(await api.POST("/v1/me/sessions", { body }), 422, "validation_failed");
  check(invalid.errors.some((error) => error.field === "pain_before"), "the 422 names the field");
  const key = randomUUID();
  ok(await api.POST("/v1/me/sessions", { body: fromRoutine(routine, new Date()), params: { header: { "idempotency-key": key } } }), 201);
  const other = fromRoutine(routine, daysAgo(1));
  refused(await api.POST("/v1/me/sessions", { body: other, params: { header: { "idempotency-key": key } } }), 422, "idempotency_key_reused");
  refused(await api.GET("/v1/me/sessions", { params: { query: { cursor: "not-a-cursor" } } }), 400, "invalid_cursor");
}

/** A reminder for the routine on weekdays at 07:30 Berlin time: the tablet sees it too. */
export async function reminder(phone: Api, tablet: Api, routine: Schemas["RoutineDetail"]): Promise<string> {
  const body = { days: ["mon" as const, "tue" as const, "wed" as const, "thu" as const, "fri" as const], time: "07:30", routine: routine.slug };
  const created = ok(await phone.POST("/v1/me/reminders", { body }), 201);
  const next = created.next_fire_at;
  check(next !== null && Date.parse(next) > Date.now(), "it fires in the future");
  check(created.effective_time_zone === "Europe/Berlin", "it follows the account's zone");
  const seen = ok(await tablet.GET("/v1/me/reminders"), 200);
  check(seen.items.some((r) => r.id === created.id), "the other device sees it");
  const off = ok(await phone.PATCH("/v1/me/reminders/{id}", { params: { path: { id: created.id } }, body: { enabled: false } }), 200);
  check(off.next_fire_at === null, "disabled, it does not fire");
  return `next at ${next}`;
}

/** The routine's first point and the routine itself as favorites, run as a routine. */
export async function favorites(phone: Api, routine: Schemas["RoutineDetail"]): Promise<string> {
  const [first] = routine.steps;
  check(first !== undefined, "the routine has steps");
  const point = ok(await phone.PUT("/v1/me/favorites/{kind}/{id}", { params: { path: { kind: "point", id: first.point } } }), 200);
  const again = ok(await phone.PUT("/v1/me/favorites/{kind}/{id}", { params: { path: { kind: "point", id: first.point } } }), 200);
  check(point.added_at === again.added_at && !point.retired, "keeping it twice changes nothing");
  ok(await phone.PUT("/v1/me/favorites/{kind}/{id}", { params: { path: { kind: "routine", id: routine.slug } } }), 200);
  const list = ok(await phone.GET("/v1/me/favorites"), 200);
  check(list.items.length === 2, "two favorites");
  const run = ok(await phone.GET("/v1/me/favorites/routine"), 200);
  check(run.steps.length === 1 && run.steps[0]?.point === first.point, "the favorite point is the one step");
  return `${run.total_seconds} s, ${run.warnings.length} warning(s)`;
}

/**
 * An own routine copied from the curated one, kept as a favorite, logged once and found
 * among the recommendations for its condition; adding a point contraindicated for the
 * (pregnant) profile is refused with 409 and changes nothing until acknowledged.
 */
export async function ownRoutine(phone: Api, routine: Schemas["RoutineDetail"]): Promise<string> {
  const own = ok(await phone.POST("/v1/me/routines", { body: { from: routine.slug, name: "My evening" } }), 201);
  check(own.origin === routine.slug && own.step_count === routine.steps.length, "a copy of the curated routine");
  const fav = ok(await phone.PUT("/v1/me/favorites/{kind}/{id}", { params: { path: { kind: "own_routine", id: own.id } } }), 200);
  check(fav.name === "My evening" && !fav.retired, "the favorite names the own routine");
  const logged = ok(await phone.POST("/v1/me/sessions", { body: { ...fromRoutine(routine, new Date()), routine: own.id } }), 201);
  check(logged.session.routine === own.id, "a session of the own routine");
  const condition = routine.conditions[0];
  check(condition !== undefined, "the routine is for a condition");
  const recs = ok(await phone.GET("/v1/me/recommendations", { params: { query: { condition } } }), 200);
  const mine = recs.items.find((i) => i.kind === "own_routine" && i.id === own.id);
  check(mine !== undefined && mine.reasons.length > 0, "the own routine is recommended, with its reasons");
  check(recs.red_flags.length === 1, "the condition's red flags come along");

  const steps = [...routine.steps.map((s) => ({ point: s.point, side: s.side, seconds: s.seconds, pressure: s.pressure })),
    { point: "LI4", side: "both" as const, seconds: 30, pressure: "light" as const }];
  const path = { params: { path: { id: own.id } } };
  refused(await phone.PATCH("/v1/me/routines/{id}", { ...path, body: { steps } }), 409, "warnings_not_acknowledged");
  const same = ok(await phone.GET("/v1/me/routines/{id}", path), 200);
  check(same.step_count === own.step_count, "nothing changed");
  const kept = ok(await phone.PATCH("/v1/me/routines/{id}", { ...path, body: { steps, acknowledge_warnings: true } }), 200);
  check(kept.warnings.some((w) => w.code === "pregnancy_contraindicated" && w.point === "LI4"), "LI4 warned");
  return `rank ${mine.rank} of ${recs.items.length}, ${kept.total_seconds} s with LI4 acknowledged`;
}
