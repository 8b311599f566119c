# NUR portal, English. Every key here must exist in ar.ftl (a test checks it).
# Counts are passed as numbers and select their form through PLURAL($n), which gives the CLDR
# plural category (English: one, other; Arabic: zero, one, two, few, many, other). Write
# { PLURAL($n) -> ... }, not { $n -> ... }: see portal/i18n.rs for why.

platform-short = NUR
language = Language
menu = Main menu
menu-home = Home Page
menu-queries = Entity Queries
menu-security = Security
menu-settings = Settings
menu-contact = Contact Us
breadcrumbs = You are here
skip-to-content = Skip to content
label-username = Username
label-password = Password
label-group = Group
label-entity = Entity
label-code = Verification code
label-reset-code = Reset code
label-new-password = New password (at least 12 characters)
sign-out = Sign Out
your-ip = Your IP address
role-super-admin = Super Admin
role-entity-admin = Entity Admin
role-entity-user = Entity User
role-auditor = Auditor

login-title = Sign in
login-submit = Sign in
forgot-password = Forgot your password?
login-invalid = The username or password is not correct.
login-locked = This account is locked for a while after repeated failures. Use “Forgot password” to unlock it with a code sent to you, or try again later.
login-slow = Too many attempts from your address. Wait a minute and try again.
login-busy = The service is busy. Try again in a few seconds.
login-code-wrong = That code is not correct.
login-code-expired = The code has expired. Ask for a new one.
login-code-resent = A new code has been sent.
login-code-wait = Please wait before asking for another code.
login-signed-out = You have signed out.
login-send-failed = The code could not be sent. Contact your administrator.
code-title = Verification code
code-totp-hint = Enter the six-digit code shown by your authenticator app.
code-otp-hint = A six-digit code has been sent to you. It is valid for a few minutes.
code-submit = Verify
code-resend = Resend verification code
code-start-over = Back to sign in

forgot-title = Forgotten password
forgot-submit = Send a reset code
reset-title = Choose a new password
reset-submit = Set the new password
reset-sent = If the account exists, a reset code has been sent to its owner.
reset-done = Your password has been changed. Sign in with it.
reset-invalid = The reset code is wrong or has expired.
reset-weak = The new password must have at least 12 characters.

account-title = Settings
totp-heading = Authenticator app (TOTP)
totp-enrolled-yes = Your account uses an authenticator app for its verification codes.
totp-enrolled-no = Your verification codes are sent to you. To use an authenticator app instead, scan this code and confirm with the code it shows.
totp-scan = Scan with your authenticator app
totp-key = Or type this key
totp-confirm = Confirm and enable
totp-enrolled = The authenticator app is now enabled for your account.
totp-wrong = That code did not match. Scan the QR code again and retry.

home-title = Home Page
home-greeting = Welcome, { $name }.
home-you-can = What you can do here
home-counts = The platform
can-grants-all = Manage the privileges of every custodian entity
can-grants-own = Decide which consuming entities see your entity's tables and columns
can-users = Manage entities, users and API clients
can-clients = Manage your entity's API clients
can-audit = Review the audit log
can-audit-all = Review the whole audit trail and every citizen's access report
can-queries = Build queries on the data granted to your entity and save them as APIs
can-procedures = Maintain your entity's saved procedures
can-lookup = Look up a person by national number
can-run = Run your entity's procedures
count-registries = Registries
count-tables = Tables
count-procedures = Your entity's procedures
count-persons = Persons
contact-text = For help with NUR, contact the platform's service desk through your entity's administrator.

columns-title = Table Columns Privileges
columns-caption = { PLURAL($rows) ->
        [one] { $rows } column
       *[other] { $rows } columns
    } — page { $page } of { $pages }
columns-updated = { PLURAL($count) ->
        [one] Saved: { $count } change.
       *[other] Saved: { $count } changes.
    }
col-table = Table
col-column = Column
grant = Grant
filter-table = Table
filter-entity = Consumer entity
filter-all = All
filter-apply = Filter
paging = Pages
page-prev = Previous
page-next = Next
update = Update

queries-title = Entity Queries
query-tables = Tables
query-choose-table = Choose a table.
query-columns-of = Columns of { $table }
query-conditions = Conditions
query-run-needs-values = Give every condition a value to run the query; conditions left empty become parameters of the saved API.
check-all = Check All
uncheck-all = UnCheck All
add-parameter = Add New Parameter
condition-column = Column
condition-op = Operator
condition-value = Value
condition-value-hint = empty: a parameter of the API
rows-limit = Rows Limit
generate-sql = Generate SQL Query
generated-sql = SQL
run = Run
save-query = Save Query
update-query = Update Query
procedure-name = Procedure name
procedure-description = Description
procedure-saved = Saved as { $name } version { $version }:
saved-procedures = Saved procedures
no-procedures = No procedure yet.
results-count = { PLURAL($count) ->
        [one] Results: { $count } row
       *[other] Results: { $count } rows
    }
copy = Copy

error-csrf = This form has expired. Go back, reload the page and try again.
error-forbidden = You are not allowed to do this.
error-signed-out = Your session has ended. Sign in again.
error-too-large = The form is too large.

operations-title = GSB Operations Privileges
outputs-title = GSB Operations Output Privileges
tables-title = Tables Privileges
col-custodian = Entity Short Name
col-service = GSB Service Name
col-operation = Operation Name
col-property = Property Name
col-registry = Registry
filter-operation = Service operation
filter-show = Show entities
check-column = Check every row for { $entity }
error-not-found = There is no such page.

menu-persons = Person Lookup
menu-audit = Audit Log
persons-title = Person Lookup
label-national-number = National number
search = Search
person-not-found = No person or registry record visible to your entity has this national number.
no-entity-data = Your account acts for no entity: registry data is seen only by an entity, under its grants.
person-heading = Person
household-heading = Household (civil record)
household-members = Members: { $count }
audit-title = Audit Log
audit-caption = Newest first, 50 per page
audit-seq = No.
audit-time = Time ({ $zone })
audit-actor = Actor
audit-action = Action
audit-target = Target
audit-purpose = Purpose
audit-persons = Persons
audit-outcome = Outcome
audit-from = From
audit-to = To
access-report = Citizen access report
access-report-empty = No entity has accessed this person's data.

catalog-title = Entities and catalog
users-title = Users
clients-title = API clients
entities-heading = Entities
tables-heading = Registries, tables and columns
col-code = Code
col-name = Name
col-label = Label
col-type = Type
col-status = Status
col-actions = Actions
status-active = active
status-disabled = disabled
status-revoked = revoked
user-create = Create user
user-contact = Phone or e-mail for codes
user-enable = Enable
user-disable = Disable
user-reset-factor = Reset second factor
user-invalid = Check the username (3–40 letters, digits, _ . -) and the entity.
user-exists = That username is taken.
user-created = User { $username } created. Their first password, shown only now: { $password }
user-changed = Saved for { $username }.
client-id = Client id
client-create = Create API client
client-allow = Allowed addresses (optional)
client-rotate = Rotate secret
client-revoke = Revoke
client-secret-once = Client { $id } — its secret, shown only now: { $secret }
client-revoked = Client { $id } revoked.
menu-procedures = Procedures
procedures-title = Procedures
entity-title = Entity settings and sources
entity-purpose-required = Every data request of this entity must state its purpose
entity-access-withheld = Leave this entity's accesses out of citizens' access reports (Super Admin only)
entity-saved = Entity settings saved.
sources-heading = Change sources (freshness)
sources-none = This entity has no change source.
source-last-event = Last change at the source
source-lag = Lag
source-counts = Events / applied / dead letters
source-counts-value = { $events } / { $applied } / { $dead }
source-lag-value = { $ms } ms
source-applied-ago = { PLURAL($seconds) ->
        [one] applied { $seconds } second ago
       *[other] applied { $seconds } seconds ago
    }
source-waiting = waiting for changes

## Social registry (intake)
menu-sp = Social Registry
sp-title = Social Registry
sp-new = New application
sp-applications = Applications, newest first
sp-application = Application
sp-draft = Draft
sp-status-draft = Draft
sp-status-submitted = Submitted
sp-col-application = Application
sp-col-household = Household
sp-col-status = Status
sp-col-channel = Channel
sp-col-updated = Updated
sp-col-finding = Finding
sp-col-member = Member
sp-col-source = Source
sp-col-records = Records
sp-col-declared = Declared
sp-col-registry = Registry
sp-col-as-of = Loaded
sp-yes = Yes
sp-no = No
sp-save = Save draft
sp-submit = Submit and verify
sp-add-member = Add a member
sp-open = The draft is saved. Still to answer before it can be submitted:
sp-refused = Some answers were refused; nothing was submitted. Correct them and submit again.
sp-verification = Verification against the registries
sp-members-verified = { PLURAL($count) ->
    [one] One member verified
   *[other] { $count } members verified
}
sp-formal-income = Verified formal income (JOD a month)
sp-no-discrepancy = The answers agree with the registries.
sp-discrepancies = Discrepancies
sp-answers = Answers
sp-channel-citizen = Citizen
sp-channel-caseworker = Caseworker
sp-channel-import = Import
sp-kind-vehicles = Undeclared vehicles
sp-kind-land = Undeclared land
sp-kind-business = Undeclared business
sp-kind-formal_income = Formal income under-declared
sp-kind-current_aid = Current aid not declared
sp-kind-not_in_booklet = Member of another family booklet
sp-kind-identity = No longer verified
sp-not-program-entity = Applications are handled by the caseworkers of { $entity }, whose programs the social registry serves.
role-citizen = Citizen
citizen-title = Social Registry — sign in as a citizen
citizen-intro = Apply for your household's social support yourself. Sign in with your national number and the number printed on your ID card; a code is then sent to the mobile number the Civil Status Department holds for you.
label-card-number = ID card number
citizen-submit = Continue
citizen-officers = Staff of a government entity: sign in here
citizen-for-citizens = Citizens applying for social support: sign in with your national number
citizen-invalid = The national number and ID card number do not match a valid card.
citizen-locked = Signing in is held back for a while after repeated failures. Try again later, or visit an office of the National Aid Fund.
citizen-no-mobile = The Civil Status Department holds no mobile number for you, so no code can be sent. Update your address at a civil status office, or apply at an office of the National Aid Fund.
citizen-code-hint = A six-digit code has been sent to your mobile number ending in { $mobile }. It is valid for a few minutes.
citizen-home = My household
citizen-name = Name
citizen-booklet = Family booklet (civil record number)
citizen-mobile = Mobile number on file
citizen-how = One application serves every social program. Your answers are checked against the government registries; where they differ, the application shows what was found.
citizen-start = Start an application
citizen-continue = Continue your draft
citizen-none = Your household has no application yet.
citizen-applications = Your household's applications
citizen-access = Who has seen my data
citizen-access-intro = Every time a government entity read your data through NUR, newest first, with the purpose it gave.
citizen-access-caption = Accesses of your data
citizen-access-empty = No entity has accessed your data through NUR.
access-action-query-run = Query
access-action-procedure-call = Service (API)
access-action-operation-call = Service operation
access-action-person-lookup = Person lookup
access-action-sp-verify = Social registry: verification of an application
access-action-sp-facts = Social registry: household profile
sp-member-field = { $field }, member { $n }
purpose-intake-verification = Verification of an application against the registries
purpose-household-facts = The household's profile for social programs
sp-no-application = There is no such application.
