package dashi_test

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kehu/kehu/internal/crm"
	"github.com/kehu/kehu/internal/dialect/dashi"
	"github.com/kehu/kehu/internal/model"
)

func TestAddGolden(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tok := e.token(t, e.Client)
		status, body := e.add(t, tok, "project="+e.project()+"&project=", `{"name":"张三","phone":"13812345678","customerStatus":"1"}`)
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		id, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
		if err != nil || id <= 0 || id >= 1<<53 {
			t.Fatalf("want a bare positive id below 2^53, got %s", body)
		}
		golden(t, "add", regexp.MustCompile(`^[0-9]+$`).ReplaceAll(bytes.TrimSpace(body), []byte(`"<ID>"`)))
		c, err := e.Svc.Customer(context.Background(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.ProjectID != e.Project.ID || c.Phone != "+8613812345678" || c.Status != 1 || c.CreatedBy != e.Client.ClientID {
			t.Fatalf("stored %+v", c)
		}
	})
}

// TestAddValues: values written through the add call land in kehu's
// fields and come back through the page call.
func TestAddValues(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		tok := e.token(t, e.Client)
		id := e.mustAdd(t, tok, `{"name":" 李四 ","customerStatus":0,"sex":null,"projectId":"`+e.project()+`","companyNames":"示例公司","contractName":"王五","contractPhone":"021-6123 4567","customerGradeId":"9"}`)
		c, err := e.Svc.Customer(context.Background(), crm.SystemCaller(e.Tenant.ID, model.Actor{}), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != "李四" || c.Status != model.StatusNormal || c.Company != "示例公司" || c.ContactName != "王五" ||
			c.ContactPhone != "021-6123 4567" || c.GradeID != 9 {
			t.Fatalf("stored %+v", c)
		}
	})
}

// TestAddErrors: every rejected add answers its status and writes nothing.
func TestAddErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		tok := e.token(t, e.Client)
		projB, err := e.Store.CreateProject(ctx, e.Tenant.ID, "B 园区")
		if err != nil {
			t.Fatal(err)
		}
		boundTok := e.token(t, e.NewClient(t, e.Tenant.ID, e.Project.ID))
		readOnlyTok := e.token(t, e.NewClient(t, e.Tenant.ID, 0, model.ScopeRead))
		e.mustAdd(t, tok, `{"name":"张三","phone":"13812345678"}`)
		if err := e.Store.SetSystemFieldUnique(ctx, e.Tenant.ID, model.FieldPhone, true); err != nil {
			t.Fatal(err)
		}

		p := "project=" + e.project()
		before := e.eventCount(t)
		for _, tc := range []struct {
			name, token, query, body string
			code                     int
			status, msg              string
		}{
			{"name missing", tok, p, `{"phone":"13912345678"}`, 400, dashi.StatusParamError, "name"},
			{"name blank", tok, p, `{"name":"  "}`, 400, dashi.StatusParamError, "name"},
			{"phone invalid", tok, p, `{"name":"张三","phone":"12345"}`, 400, dashi.StatusParamError, "phone"},
			{"email invalid", tok, p, `{"name":"张三","email":"not-an-email"}`, 400, dashi.StatusParamError, "email"},
			{"sex out of range", tok, p, `{"name":"张三","sex":5}`, 400, dashi.StatusParamError, "sex"},
			{"customerStatus 3", tok, p, `{"name":"张三","customerStatus":3}`, 400, dashi.StatusParamError, "customerStatus"},
			{"education word", tok, p, `{"name":"张三","education":"本科"}`, 400, dashi.StatusParamError, "education"},
			{"contractPhone letters", tok, p, `{"name":"张三","contractPhone":"call me"}`, 400, dashi.StatusParamError, "contractPhone"},
			{"companyIds a string", tok, p, `{"name":"张三","companyIds":"1,2"}`, 400, dashi.StatusParamError, "companyIds"},
			{"companyIds with an object", tok, p, `{"name":"张三","companyIds":[{}]}`, 400, dashi.StatusParamError, "companyIds[0]"},
			{"customerGradeId negative", tok, p, `{"name":"张三","customerGradeId":-1}`, 400, dashi.StatusParamError, "customerGradeId"},
			{"server field id", tok, p, `{"name":"张三","id":1}`, 400, dashi.StatusParamError, "id"},
			{"server field creationTime", tok, p, `{"name":"张三","creationTime":1}`, 400, dashi.StatusParamError, "creationTime"},
			{"lookup field customerGradeName", tok, p, `{"name":"张三","customerGradeName":"VIP"}`, 400, dashi.StatusParamError, "customerGradeName"},
			{"projectId differs", tok, p, `{"name":"张三","projectId":1}`, 400, dashi.StatusParamError, "projectId"},
			{"malformed JSON", tok, p, `{"name":"张三"`, 400, dashi.StatusParamError, "JSON"},
			{"missing project", tok, "", `{"name":"张三"}`, 400, dashi.StatusParamError, "project"},
			{"nonexistent project", tok, "project=42", `{"name":"张三"}`, 404, dashi.StatusProjectNotExist, "42"},
			{"bound client, other project", boundTok, "project=" + strconv.FormatInt(projB.ID, 10), `{"name":"张三"}`, 403, dashi.StatusNoPermission, "绑定"},
			{"client without write scope", readOnlyTok, p, `{"name":"张三"}`, 403, dashi.StatusNoPermission, "customers:write"},
			{"duplicate phone", tok, p, `{"name":"张三二号","phone":"+86 138 1234 5678"}`, 409, dashi.StatusPhoneDuplicate, "phone"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, body := e.add(t, tc.token, tc.query, tc.body)
				wantError(t, status, body, tc.code, tc.status, tc.msg)
			})
		}
		if n := e.eventCount(t); n != before {
			t.Fatalf("%d customer writes happened", n-before)
		}
		t.Run("duplicate golden", func(t *testing.T) {
			_, body := e.add(t, tok, p, `{"name":"张三二号","phone":"13812345678"}`)
			// The message names the holder when the store can tell (it
			// cannot on PostgreSQL, whose transaction is aborted by then).
			if !strings.Contains(string(body), `phone \"13812345678\"`) {
				t.Errorf("want the number in national form in %s", body)
			}
			golden(t, "error_phone_duplicate", scrub(body, "msg"))
		})
	})
}
