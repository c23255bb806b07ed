package model

import "time"

// Login is a staff member's way into the console and the native API: a
// username and/or a phone number (E.164), an argon2id password hash and an
// optional TOTP second factor (sealed).
type Login struct {
	TenantID     int64     `json:"tenantId"`
	StaffID      int64     `json:"staffId"`
	Username     string    `json:"username,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	PasswordHash string    `json:"-"`
	TOTPSealed   []byte    `json:"-"`
	TOTPEnabled  bool      `json:"totpEnabled"`
	SuperAdmin   bool      `json:"superAdmin,omitempty"` // may manage every tenant (made only by `kehu admin create --super`)
	Disabled     bool      `json:"disabled"`
	CreatedAt    time.Time `json:"createdAt"`
	PasswordAt   time.Time `json:"passwordChangedAt"`

	// TOTPLastStep is the last TOTP time step accepted (Unix seconds / 30);
	// a code of that step or an earlier one is a replay.
	TOTPLastStep int64 `json:"-"`
}

// Session is one signed-in browser or client of a staff login. Only the
// SHA-256 of its token is stored.
type Session struct {
	ID         int64     `json:"id"`
	TenantID   int64     `json:"tenantId"`
	StaffID    int64     `json:"staffId"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	Addr       string    `json:"addr,omitempty"`
	UserAgent  string    `json:"userAgent,omitempty"`
	Revoked    bool      `json:"-"`
}
