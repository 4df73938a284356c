/**
 * Deterministic clinical-note-style text for the benchmarks: section headers in capitals,
 * abbreviations, vitals, doses, de-identification placeholders, lab tables, a few accents and
 * symbols. Generated (no real patient data).
 */

const HEADERS = [
  'CHIEF COMPLAINT',
  'HISTORY OF PRESENT ILLNESS',
  'PAST MEDICAL HISTORY',
  'MEDICATIONS ON ADMISSION',
  'ALLERGIES',
  'PHYSICAL EXAM',
  'PERTINENT RESULTS',
  'BRIEF HOSPITAL COURSE',
  'DISCHARGE MEDICATIONS',
  'DISCHARGE DIAGNOSIS',
  'DISCHARGE CONDITION',
  'DISCHARGE INSTRUCTIONS',
  'SOCIAL HISTORY',
  'FAMILY HISTORY',
];
const SUBJECTS = [
  'Pt',
  'The patient',
  'She',
  'He',
  '72 yo M',
  '65 yo F',
  'Patient',
  'This 58 year old woman',
];
const VERBS = [
  'presented with',
  'was admitted for',
  'reports',
  'denies',
  'c/o',
  'was found to have',
  'developed',
];
const FINDINGS = [
  'worsening dyspnea',
  'substernal chest pain radiating to the L arm',
  'productive cough and fevers to 101.2',
  'RLL consolidation on CXR',
  'new onset atrial fibrillation w/ RVR',
  'acute on chronic systolic CHF (EF 25%)',
  'NSTEMI with troponin peak 2.31',
  'AKI (Cr 2.4 from baseline 1.1)',
  'hyponatremia (Na 128)',
  'DKA with AG 24',
  'C. diff colitis',
  'UTI with E. coli',
  'sepsis 2/2 pneumonia',
  'GI bleed, Hct 21.3',
  'café-au-lait spots',
  'β-blocker intolerance',
  'SpO2 88% on RA → 94% on 4L NC',
];
const PLANS = [
  'was started on ceftriaxone and azithromycin',
  'was diuresed with IV furosemide 40 mg BID',
  'received 2 units pRBC',
  'was placed on a heparin gtt',
  'was transferred to the MICU for monitoring',
  'was seen by cardiology who recommended cath',
  'was continued on home metoprolol 25 mg PO BID',
  'had insulin gtt titrated per protocol',
  'was given vancomycin 1 g IV q12h',
  'was weaned to baseline 2L NC',
];
const MEDS = [
  'Aspirin 81 mg PO DAILY',
  'Metoprolol Tartrate 25 mg PO BID',
  'Lisinopril 10 mg PO DAILY',
  'Atorvastatin 80 mg PO QHS',
  'Furosemide 40 mg PO DAILY',
  'Warfarin 2.5 mg PO DAILY (INR goal 2-3)',
  'Insulin Glargine 20 units SC QHS',
  'Pantoprazole 40 mg PO Q24H',
  'Albuterol 90 mcg/Actuation 2 puffs IH Q4H:PRN',
];

/** Mulberry32: a small seeded PRNG, so every run benchmarks the same text. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One note of roughly `targetChars` characters. */
function note(next: () => number, targetChars: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const parts: string[] = [
    `Admission Date: [**${int(2100, 2199)}-${int(1, 12)}-${int(1, 28)}**]  Discharge Date: [**${int(2100, 2199)}-${int(1, 12)}-${int(1, 28)}**]\n`,
    `Name: [**Known lastname ${int(1000, 9999)}**], [**Known firstname ${int(100, 999)}**]  MRN: [**Medical Record Number ${int(1000, 99999)}**]\n`,
  ];
  let length = parts.join('').length;
  while (length < targetChars) {
    let section = `\n${pick(HEADERS)}:\n`;
    const sentences = int(2, 6);
    for (let s = 0; s < sentences; s++) {
      const kind = next();
      if (kind < 0.55) section += `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(FINDINGS)} and ${pick(PLANS)}. `;
      else if (kind < 0.75)
        section += `VS: T ${(96 + next() * 6).toFixed(1)}F  BP ${int(90, 180)}/${int(50, 100)}  HR ${int(50, 130)}  RR ${int(12, 30)}  SpO2 ${int(85, 100)}% on ${pick(['RA', '2L NC', '4L NC', 'NRB'])}\n`;
      else if (kind < 0.9) section += `${int(1, 12)}. ${pick(MEDS)}\n`;
      else
        section += `Na ${int(125, 150)}\tK ${(3 + next() * 2.5).toFixed(1)}\tCl ${int(90, 115)}\tHCO3 ${int(15, 32)}\tBUN ${int(5, 80)}\tCr ${(0.5 + next() * 4).toFixed(1)}\tGlu ${int(60, 400)}\n`;
    }
    parts.push(section);
    length += section.length;
  }
  return parts.join('');
}

/** Notes of 1–3 kB until the total reaches `totalChars`. */
export function clinicalNotes(totalChars: number, seed = 42): string[] {
  const next = random(seed);
  const notes: string[] = [];
  let total = 0;
  while (total < totalChars) {
    const text = note(next, 1000 + Math.floor(next() * 2000));
    notes.push(text);
    total += text.length;
  }
  return notes;
}

/** One document of about `totalChars` characters (notes joined by blank lines). */
export function clinicalDocument(totalChars: number, seed = 7): string {
  return clinicalNotes(totalChars, seed).join('\n\n').slice(0, totalChars);
}
