export { HubspotFake, ASSOCIATION_TO_CONTACT, type EngagementType, type FakeEngagement, type FakeObject, type HubspotFakeOptions, type RecordedCall } from './hubspot-fake.js';
