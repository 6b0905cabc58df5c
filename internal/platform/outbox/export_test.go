package outbox

// ReadQuery exposes the consumer's read for its query-plan test.
var ReadQuery = readQuery
