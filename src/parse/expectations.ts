/**
 * Does this prose announce what the previous command should print? Authors say it many ways:
 * "We should see:", "The curl command should now output:", "You should get something like:",
 * "Expected output:", "On devrait voir :". Only the last sentence counts, and it must end with a colon.
 */
const SAYS_OUTPUT: readonly RegExp[] = [
  /\b(should|will|would|must|ought to|might|may|shall)\b(\s+\w+){0,4}?\s+(see|get|show|output|print|display|return|give|say|answer|respond|list|obtain|receive|report|tell)/i,
  /\b(expected|sample|example|typical)\s+(output|result|response|answer)\b/i,
  /\b(we|you)\s+(see|get|obtain|receive)\b/i,
  /\b(the\s+)?(output|result|response|answer)\s+(is|looks|reads|shows|should|will|must)\b/i,
  /\b(outputs?|prints?|displays?|returns?|shows?)\s*(something\s+)?(like|similar to)?\s*(this|that|the following)?\s*:\s*$/i,
  /\b(devrai[st]|devrions|devriez|devraient|doit|doivent|va|allons)\s+(\w+\s+){0,2}?(voir|afficher|obtenir|retourner|renvoyer|donner)/i,
  /\b(on|vous|nous)\s+(voit|voyez|voyons|obtient|obtenez|obtenons)\b/i,
];

export function announcesOutput(prose: string): boolean {
  const text = prose.replace(/\s+/g, " ").trim();
  if (!/:\s*(\p{Extended_Pictographic}\s*)*$/u.test(text)) return false;
  const sentences = text.split(/(?<=[.!?])\s+(?=\S)/);
  const last = sentences[sentences.length - 1] ?? text;
  return SAYS_OUTPUT.some((re) => re.test(last));
}
