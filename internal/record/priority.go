package record

import (
	"context"
	"fmt"

	"steward/internal/platform/db"
	"steward/internal/platform/fault"
	"steward/internal/platform/settings"
)

// Matrix derives priority from impact (row) and urgency (column), each
// 1 high .. 3 low. Priorities run from 1 (critical) to 5 (planning).
type Matrix [3][3]int

// DefaultMatrix is the usual ITIL 3x3 table.
var DefaultMatrix = Matrix{
	{1, 2, 3}, // impact high
	{2, 3, 4}, // impact medium
	{3, 4, 5}, // impact low
}

// Priority returns the matrix priority for impact and urgency.
func (m Matrix) Priority(impact, urgency Level) int {
	return m[impact-1][urgency-1]
}

// Validate checks every cell is a priority 1..5.
func (m Matrix) Validate() error {
	v := &fault.ValidationError{}
	for i := range m {
		for j := range m[i] {
			if m[i][j] < 1 || m[i][j] > 5 {
				v.Add(fmt.Sprintf("matrix[%d][%d]", i, j), "must be a priority from 1 to 5")
			}
		}
	}
	return v.Err()
}

const matrixKey = "priority_matrix"

// LoadMatrix returns the configured matrix, or the default.
func LoadMatrix(ctx context.Context, q db.Querier) (Matrix, error) {
	return settings.Load(ctx, q, matrixKey, DefaultMatrix)
}

// SaveMatrix stores m after checking it.
func SaveMatrix(ctx context.Context, q db.Querier, m Matrix) error {
	if err := m.Validate(); err != nil {
		return err
	}
	return settings.Store(ctx, q, matrixKey, m)
}
