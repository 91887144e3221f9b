import { teamsPlugin } from './desk-teams.plugin.js';

export default teamsPlugin;
export { teamsConfigSchema, type TeamsConfig } from './desk-teams.plugin.js';
export { TeamsAgentDesk } from './teams-agent-desk.js';
export { statusOfCard } from './offer-card.js';
