// Offline sync from a second device: pull everything, lose a race against the phone
// (stale push: 409, nothing applied), pull again and push a batch made offline.
import { randomUUID } from "node:crypto";
import { type Api, type Schemas, check, ok, refused } from "../api.js";
import { fromRoutine } from "./history.js";

type PulledChange = Schemas["PulledChange"];
type Session = Schemas["Session"];

/** A local copy of the history, kept by applying pulled changes. */
export class Replica {
  readonly sessions = new Map<string, Session>();
  cursor: string | null = null;

  apply(change: PulledChange): void {
    switch (change.op) {
      case "upsert":
        this.sessions.set(change.session.id, change.session);
        break;
      case "delete":
        this.sessions.delete(change.id);
        break;
    }
  }

  /** Pulls until the server has nothing more, page by page. */
  async pull(api: Api): Promise<number> {
    let pulled = 0;
    for (let pages = 0; pages < 100; pages += 1) {
      const query = this.cursor === null ? {} : { cursor: this.cursor };
      const page = ok(await api.GET("/v1/me/sync", { params: { query } }), 200);
      for (const change of page.changes) this.apply(change);
      pulled += page.changes.length;
      this.cursor = page.cursor;
      if (!page.has_more) return pulled;
    }
    throw new Error("sync pull did not end");
  }
}

/**
 * The tablet pulls, the phone edits a session meanwhile, and the tablet's edit of the
 * same session is refused as stale; after pulling again its offline batch (the edit, a
 * new session with its own id, a deletion) is applied whole, and the phone's next pull
 * sees all three.
 */
export async function syncTwoDevices(
  phone: Api,
  tablet: Api,
  routine: Schemas["RoutineDetail"],
  expected: number,
): Promise<number> {
  const local = new Replica();
  check((await local.pull(tablet)) === expected && local.sessions.size === expected, "the tablet pulls every session");
  const phoneCopy = new Replica();
  await phoneCopy.pull(phone);

  const [edited, removed] = [...local.sessions.values()];
  check(edited !== undefined && removed !== undefined, "two sessions to work with");
  const phoneEdit = { notes: "edited on the phone" };
  ok(await phone.PATCH("/v1/me/sessions/{id}", { params: { path: { id: edited.id } }, body: phoneEdit }), 200);

  const tabletEdit: Schemas["PushedChange"] = {
    op: "upsert",
    session: { ...fromRoutine(routine, new Date(edited.started_at), edited.id), notes: "edited on the tablet" },
  };
  const stale = await tablet.POST("/v1/me/sync", { body: { cursor: local.cursor, changes: [tabletEdit] } });
  const conflict = refused(stale, 409, "sync_conflict");
  check(conflict.errors.some((error) => error.field === edited.id), "the conflict names the session");

  await local.pull(tablet);
  check(local.sessions.get(edited.id)?.notes === phoneEdit.notes, "the tablet now has the phone's edit");
  const offlineId = randomUUID();
  const offline = fromRoutine(routine, new Date(), offlineId);
  const batch: Schemas["PushedChange"][] = [
    tabletEdit,
    { op: "upsert", session: offline },
    { op: "delete", id: removed.id },
  ];
  const pushed = ok(await tablet.POST("/v1/me/sync", { body: { cursor: local.cursor, changes: batch } }), 200);
  check(pushed.applied === batch.length, `the batch is applied whole (${pushed.applied} of ${batch.length})`);

  check((await phoneCopy.pull(phone)) >= batch.length, "the phone pulls the tablet's batch");
  check(!phoneCopy.sessions.has(removed.id) && phoneCopy.sessions.has(offlineId), "deleted and added");
  return phoneCopy.sessions.size;
}
