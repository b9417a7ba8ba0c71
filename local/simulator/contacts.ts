/**
 * Demo contacts for the respond.io simulator: realistic, deterministic, in respond.io's flat
 * v2 shape. The first few are hand-written to cover the interesting cases; the rest come from a
 * seeded generator, so every run (and every seed) gives the same data.
 */

import { seededRandom } from '../seeded-random.js';

export interface SimAssignee {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
}

export interface SimCustomField {
  name: string;
  value: string | number | boolean | null;
}

/** A contact as respond.io's `GET /v2/contact/{identifier}` returns it. */
export interface SimContact {
  id: number;
  firstName: string;
  lastName: string | null;
  phone: string | null;
  email: string | null;
  language: string | null;
  profilePic: string | null;
  countryCode: string | null;
  status: string | null;
  tags: string[];
  assignee: SimAssignee | null;
  created_at: number;
  custom_fields: SimCustomField[];
  lifecycle?: string | null;
  [extra: string]: unknown;
}

/** Seed of DEMO_CONTACTS; pass another one to `demoContacts` for different generated data. */
export const DEMO_SEED = 20_240_601;

/** The contact with id 1: every field filled, an assignee, custom fields and several tags. */
const COMPLETE: SimContact = {
  id: 1,
  firstName: 'Jane',
  lastName: 'Tan',
  phone: '+60121233112',
  email: 'jane.tan@example.com',
  language: 'en',
  profilePic: 'https://cdn.example.com/avatars/1.png',
  countryCode: 'MY',
  status: 'open',
  tags: ['vip', 'newsletter', 'kuala-lumpur'],
  assignee: { id: 501, firstName: 'Aisha', lastName: 'Rahman', email: 'aisha@agency.example' },
  created_at: 1_700_000_000,
  custom_fields: [
    { name: 'plan', value: 'gold' },
    { name: 'orders', value: 12 },
    { name: 'marketing_opt_in', value: true },
    { name: 'referrer', value: null },
  ],
  lifecycle: 'Customer',
};

/** The contact with id 2: only a first name; every nullable field null, every list empty. */
const SPARSE: SimContact = {
  id: 2,
  firstName: 'Ahmad',
  lastName: null,
  phone: null,
  email: null,
  language: null,
  profilePic: null,
  countryCode: null,
  status: null,
  tags: [],
  assignee: null,
  created_at: 1_650_000_000,
  custom_fields: [],
  lifecycle: null,
};

/** The contact with id 3: ten tags. */
const MANY_TAGS: SimContact = {
  id: 3,
  firstName: 'Mei Ling',
  lastName: 'Wong',
  phone: '+6591234567',
  email: 'meiling.wong@example.com',
  language: 'zh',
  profilePic: null,
  countryCode: 'SG',
  status: 'close',
  tags: [
    'lead',
    'webinar-2024',
    'pricing-page',
    'trial',
    'enterprise',
    'apac',
    'follow-up',
    'whatsapp',
    'priority',
    'returning',
  ],
  assignee: { id: 502, firstName: 'Ben', lastName: 'Okafor', email: 'ben@agency.example' },
  created_at: 1_710_500_000,
  custom_fields: [{ name: 'company', value: 'Lion City Traders' }],
  lifecycle: 'Lead',
};

/** The contact with id 4: fields the connector does not know, which it must ignore. */
const EXTRA_FIELDS: SimContact = {
  id: 4,
  firstName: 'Carlos',
  lastName: 'Mendes',
  phone: '+5511987654321',
  email: 'Carlos.Mendes@Example.com',
  language: 'pt',
  profilePic: 'https://cdn.example.com/avatars/4.jpg',
  countryCode: 'BR',
  status: 'open',
  tags: ['customer'],
  assignee: null,
  created_at: 1_720_000_000,
  custom_fields: [
    { name: 'loyalty_points', value: 1250.5 },
    { name: 'vip', value: false },
  ],
  lifecycle: 'Customer',
  isBlocked: false,
  locale: 'pt-BR',
  channels: [{ id: 9001, type: 'whatsapp' }],
  meta: { source: 'import', batch: 7 },
};

const HAND_WRITTEN: readonly SimContact[] = [COMPLETE, SPARSE, MANY_TAGS, EXTRA_FIELDS];

const FIRST_NAMES = [
  'Aiden',
  'Bella',
  'Chen',
  'Divya',
  'Emeka',
  'Fatima',
  'Giulia',
  'Hiro',
  'Ines',
  'Jonas',
  'Kavya',
  'Liam',
  'Maya',
  'Nur',
  'Omar',
  'Priya',
  'Quang',
  'Rosa',
  'Sven',
  'Thandi',
] as const;
const LAST_NAMES = [
  'Abdullah',
  'Becker',
  'Costa',
  'Dlamini',
  'Evans',
  'Fujita',
  'Garcia',
  'Hassan',
  'Ivanova',
  'Kim',
  'Lim',
  'Nguyen',
  'Patel',
  'Rossi',
  'Silva',
] as const;
/** [country, language, phone prefix]; the prefix and 7 digits make a number of that country. */
const LOCALES = [
  ['MY', 'ms', '+6012'],
  ['SG', 'en', '+658'],
  ['ID', 'id', '+62812'],
  ['TH', 'th', '+6681'],
  ['PH', 'tl', '+63917'],
  ['BR', 'pt', '+55119'],
  ['DE', 'de', '+49151'],
  // A US exchange never starts with 0 or 1 (+1 415 000 0001 is no number): 415 + 2 + 6 digits.
  ['US', 'en', '+14152'],
] as const;
const STATUSES = ['open', 'close', 'closed', null] as const;
const LIFECYCLES = ['Lead', 'Prospect', 'Customer', 'Churned', null] as const;
const TAGS = [
  'vip',
  'lead',
  'newsletter',
  'trial',
  'support',
  'billing',
  'whatsapp',
  'instagram',
  'returning',
  'priority',
  'event-2025',
  'wholesale',
] as const;
const AGENTS: readonly SimAssignee[] = [
  COMPLETE.assignee as SimAssignee,
  MANY_TAGS.assignee as SimAssignee,
  { id: 503, firstName: 'Chloe', lastName: 'Martin', email: 'chloe@agency.example' },
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function generated(id: number, random: () => number): SimContact {
  const firstName = pick(random, FIRST_NAMES);
  const lastName = random() < 0.1 ? null : pick(random, LAST_NAMES);
  const [countryCode, language, prefix] = pick(random, LOCALES);
  const hasPhone = random() < 0.85;
  const hasEmail = random() < 0.8;
  const tags = TAGS.filter(() => random() < 0.2);
  const customFields: SimCustomField[] = [];
  if (random() < 0.6) customFields.push({ name: 'plan', value: pick(random, ['free', 'pro']) });
  if (random() < 0.4) customFields.push({ name: 'orders', value: Math.floor(random() * 40) });
  if (random() < 0.3) customFields.push({ name: 'marketing_opt_in', value: random() < 0.5 });
  const local = `${firstName}.${lastName ?? 'contact'}${id}`.toLowerCase();
  return {
    id,
    firstName,
    lastName,
    // The id makes phone numbers and e-mail addresses unique.
    phone: hasPhone ? `${prefix}${String(id).padStart(countryCode === 'US' ? 6 : 7, '0')}` : null,
    email: hasEmail ? `${local}@example.com` : null,
    language: random() < 0.9 ? language : null,
    profilePic: random() < 0.5 ? `https://cdn.example.com/avatars/${id}.png` : null,
    countryCode: random() < 0.9 ? countryCode : null,
    status: pick(random, STATUSES),
    tags,
    assignee: random() < 0.6 ? { ...pick(random, AGENTS) } : null,
    created_at: 1_600_000_000 + Math.floor(random() * 150_000_000),
    custom_fields: customFields,
    lifecycle: pick(random, LIFECYCLES),
  };
}

/**
 * `count` contacts with ids 1..count. Ids 1-4 are always the hand-written cases (complete,
 * sparse, ten tags, unknown extra fields); the rest are generated from `seed`.
 */
export function demoContacts(count: number, seed: number = DEMO_SEED): SimContact[] {
  const random = seededRandom(seed);
  const contacts: SimContact[] = [];
  for (let id = 1; id <= count; id += 1) {
    const fixed = HAND_WRITTEN[id - 1];
    contacts.push(fixed ? structuredClone(fixed) : generated(id, random));
  }
  return contacts;
}

/** The simulator's default contacts: ids 1..50. */
export const DEMO_CONTACTS: readonly SimContact[] = Object.freeze(demoContacts(50));

/** Lookups by each identifier kind, built once per contact list. */
export class ContactIndex {
  private readonly byId = new Map<string, SimContact>();
  private readonly byEmail = new Map<string, SimContact>();
  private readonly byPhone = new Map<string, SimContact>();

  constructor(contacts: readonly SimContact[]) {
    for (const contact of contacts) {
      this.byId.set(String(contact.id), contact);
      if (contact.email) this.byEmail.set(contact.email.toLowerCase(), contact);
      if (contact.phone) this.byPhone.set(contact.phone, contact);
    }
  }

  find(kind: 'id' | 'email' | 'phone', value: string): SimContact | undefined {
    if (kind === 'id') return this.byId.get(value.replace(/^0+(?=\d)/, ''));
    if (kind === 'email') return this.byEmail.get(value.toLowerCase());
    return this.byPhone.get(value);
  }
}
