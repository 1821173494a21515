// The public catalog as an app reads it: the offline bundle kept fresh with ETags,
// search as the user types, a condition, a point and a routine.
import { type Api, type Closed, type Schemas, answered, check, ok } from "../api.js";

type RoutineDetail = Schemas["RoutineDetail"];
type SelfCare = Schemas["SelfCare"];

/** Downloads the offline bundle, then revalidates it: the copy is current, so 304. */
export async function offlineBundle(api: Api): Promise<string> {
  const first = await api.GET("/v1/catalog");
  const catalog = ok(first, 200);
  const etag = first.response.headers.get("etag");
  check(etag !== null, "the catalog comes with an ETag");
  check(catalog.points.length > 361, "the bundle holds every point");
  const again = await api.GET("/v1/catalog", { params: { header: { "if-none-match": etag } } });
  answered(again.response, 304);
  const version = ok(await api.GET("/v1/catalog/version"), 200);
  check(version.version === catalog.version, "the bundle and the version endpoint agree");
  const hant = await api.GET("/v1/catalog", { params: { query: { lang: "zh-Hant" } } });
  const lang: Closed<typeof catalog.language> = ok(hant, 200).language;
  check(lang === "zh-Hant", "the bundle is fetched per language");
  check(hant.response.headers.get("content-language") === "zh-Hant", "the Traditional Chinese bundle is all Chinese");
  return catalog.version;
}

/** A search box: the typo still finds Zusanli, and each hit says why it matched. */
export async function search(api: Api): Promise<void> {
  const page = ok(await api.GET("/v1/points", { params: { query: { q: "zusanly", limit: 3 } } }), 200);
  const [top] = page.items;
  check(top !== undefined && top.code === "ST36", "zusanly finds ST36 first");
  check((top.matches ?? []).length > 0, "a search hit says why it matched");
  const meridian: string | null = top.meridian;
  const number: number | null = top.number;
  const region: Closed<typeof top.body_region> = top.body_region;
  check(meridian === "ST" && number === 36, ["ST36 is point 36 of ST, region", region].join(" "));
}

/** Every condition, page by page, as a list screen scrolls. */
export async function conditionPages(api: Api): Promise<number> {
  let cursor: string | null = null;
  let seen = 0;
  let pages = 0;
  const categories = new Set<string>();
  do {
    const query: { limit: number; cursor?: string } = cursor === null ? { limit: 10 } : { limit: 10, cursor };
    const page = ok(await api.GET("/v1/conditions", { params: { query } }), 200);
    for (const condition of page.items) {
      const category: Closed<typeof condition.category> = condition.category;
      categories.add(category);
    }
    seen += page.items.length;
    pages += 1;
    cursor = page.next_cursor;
  } while (cursor !== null && pages < 50);
  check(cursor === null && pages > 1, "the condition list ends after a few pages");
  check(categories.size > 1, "conditions come in categories");
  return seen;
}

/** A condition screen: its red flags, its caution, its ranked points. */
export async function condition(api: Api): Promise<void> {
  const insomnia = ok(await api.GET("/v1/conditions/{slug}", { params: { path: { slug: "insomnia" } } }), 200);
  const caution: string | null = insomnia.caution;
  check(insomnia.see_a_doctor_when.length > 0, `insomnia lists when to see a doctor (${caution ?? "no caution"})`);
  const [best] = insomnia.points;
  check(best !== undefined && best.rank === 1, "insomnia ranks its points");
  const evidence: Closed<typeof best.evidence> = best.evidence;
  check(best.note.length > 0, [best.code, evidence, "comes with a note"].join(" "));
}

/** A point screen in Chinese: the self-care card and where the name came from. */
export async function point(api: Api): Promise<void> {
  const outcome = await api.GET("/v1/points/{code}", {
    params: { path: { code: "li-4" }, header: { "accept-language": "zh-Hans" } },
  });
  const hegu = ok(outcome, 200);
  check(outcome.response.headers.get("content-language") === "zh-Hans", "the point is served in zh-Hans");
  const selfcare: SelfCare | null = hegu.selfcare;
  check(selfcare !== null, "LI4 has self-care guidance");
  check(/\p{Script=Han}/u.test(hegu.location), "LI4's location is written in Chinese");
  check(selfcare.cautions.some((c) => c.includes("孕")), "LI4's cautions speak of pregnancy in Chinese");
  const finger: Closed<SelfCare["finger"]> = selfcare.finger;
  const pressure: Schemas["Pressure"] = selfcare.pressure;
  const sides: Closed<SelfCare["sides"]> = selfcare.sides;
  check(hegu.pregnancy === "contraindicated", ["LI4 is not for pregnancy:", finger, pressure, sides].join(" "));
}

/** The routines for insomnia, and the first one in full. */
export async function routine(api: Api): Promise<RoutineDetail> {
  const list = ok(await api.GET("/v1/routines", { params: { query: { condition: "insomnia" } } }), 200);
  const [first] = list.items;
  check(first !== undefined, "insomnia has a routine");
  const level: Closed<typeof first.level> = first.level;
  const detail = ok(await api.GET("/v1/routines/{slug}", { params: { path: { slug: first.slug } } }), 200);
  check(detail.steps.length === first.step_count, [first.slug, level, "has its steps"].join(" "));
  return detail;
}
