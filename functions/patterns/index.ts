/**
 * The workflow patterns of the product brief, each an orchestration with its activities and an
 * HTTP starter (POST /api/patterns/<name>):
 *
 *   order-processing         function chaining, with a compensating release of inventory
 *   travel-booking           saga: bookings undone in reverse order when a later one fails
 *   image-filters            fan-out/fan-in over N images
 *   claims-processing        validate → calculate payout → update the customer record
 *   subscription-onboarding  monitor: retries with backoff, progress, SLA alerts
 */
import './inventory';
import './orderProcessing';
import './travelBooking';
import './imageFilters';
import './claimsProcessing';
import './subscriptionOnboarding';

export { PatternInputError } from './starter';
