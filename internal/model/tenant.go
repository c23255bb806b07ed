package model

import "time"

// Tenant is one isolated customer base; every other row leads with its id.
type Tenant struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Project partitions a tenant's customers (达实 calls it 项目).
type Project struct {
	ID        int64     `json:"id"`
	TenantID  int64     `json:"tenantId"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

// Scopes an API client may hold.
const (
	ScopeRead  = "customers:read"
	ScopeWrite = "customers:write"
)

// Client is an API credential. One pair serves all four protocols, so the
// plain secret must be recoverable: the store keeps it AES-GCM sealed.
type Client struct {
	ClientID      string    `json:"clientId"`
	TenantID      int64     `json:"tenantId"`
	ProjectID     int64     `json:"projectId,omitempty"` // 0: not bound to a project
	StaffID       int64     `json:"staffId,omitempty"`   // 0: acts as the tenant; else as this staff member (their role and data scope)
	Name          string    `json:"name"`
	Scopes        []string  `json:"scopes"`
	Secret        string    `json:"-"` // plain secret, filled only when unsealed
	SecretVersion int64     `json:"-"` // bumped by rotate; tokens carry it, so rotation revokes them
	CreatedAt     time.Time `json:"createdAt"`
}

// HasScope reports whether c was granted scope s.
func (c *Client) HasScope(s string) bool {
	for _, x := range c.Scopes {
		if x == s {
			return true
		}
	}
	return false
}
