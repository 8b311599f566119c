# بوابة السجل الوطني الموحد، العربية. كل مفتاح هنا يجب أن يوجد في en.ftl (يتحقق منه اختبار).
# الأعداد تُمرَّر أرقامًا، ويختار { PLURAL($n) -> ... } صيغة الجمع من صيغ العربية الست (zero one two few many other):
# صفر، واحد، اثنان (المثنى)، ٣–١٠ وما ينتهي بها كـ١٠٣ (جمع)، ١١–٩٩ وما ينتهي بها كـ١١١ (تمييز مفرد منصوب)،
# والباقي كـ١٠٠ و١٠١ (مفرد مجرور).

platform-short = السجل الوطني الموحد
language = اللغة
menu = القائمة الرئيسية
menu-home = الصفحة الرئيسية
menu-queries = استعلامات الجهة
menu-security = الأمان
menu-settings = الإعدادات
menu-contact = اتصل بنا
breadcrumbs = أنت هنا
skip-to-content = انتقل إلى المحتوى
label-username = اسم المستخدم
label-password = كلمة المرور
label-group = المجموعة
label-entity = الجهة
label-code = رمز التحقق
label-reset-code = رمز إعادة التعيين
label-new-password = كلمة المرور الجديدة (١٢ حرفًا على الأقل)
sign-out = تسجيل الخروج
your-ip = عنوان IP الخاص بك
role-super-admin = مدير النظام
role-entity-admin = مدير الجهة
role-entity-user = مستخدم الجهة
role-auditor = مدقق

login-title = تسجيل الدخول
login-submit = دخول
forgot-password = نسيت كلمة المرور؟
login-invalid = اسم المستخدم أو كلمة المرور غير صحيحة.
login-locked = هذا الحساب مقفل مؤقتًا بعد محاولات فاشلة متكررة. استخدم «نسيت كلمة المرور» لفتحه برمز يُرسل إليك، أو حاول لاحقًا.
login-slow = محاولات كثيرة من عنوانك. انتظر دقيقة ثم حاول مجددًا.
login-busy = الخدمة مشغولة. حاول مجددًا بعد ثوانٍ.
login-code-wrong = الرمز غير صحيح.
login-code-expired = انتهت صلاحية الرمز. اطلب رمزًا جديدًا.
login-code-resent = تم إرسال رمز جديد.
login-code-wait = يرجى الانتظار قبل طلب رمز آخر.
login-signed-out = تم تسجيل خروجك.
login-send-failed = تعذر إرسال الرمز. تواصل مع مدير النظام.
code-title = رمز التحقق
code-totp-hint = أدخل الرمز المكوّن من ستة أرقام الظاهر في تطبيق المصادقة.
code-otp-hint = تم إرسال رمز من ستة أرقام إليك، وهو صالح لبضع دقائق.
code-submit = تحقق
code-resend = إعادة إرسال رمز التحقق
code-resend-in = { PLURAL($secs) ->
        [zero] يمكنك طلب رمز آخر الآن.
        [one] يمكنك طلب رمز آخر بعد ثانية واحدة.
        [two] يمكنك طلب رمز آخر بعد ثانيتين.
        [few] يمكنك طلب رمز آخر بعد { $secs } ثوانٍ.
        [many] يمكنك طلب رمز آخر بعد { $secs } ثانية.
       *[other] يمكنك طلب رمز آخر بعد { $secs } ثانية.
    }
code-start-over = العودة إلى تسجيل الدخول

forgot-title = نسيان كلمة المرور
forgot-submit = أرسل رمز إعادة التعيين
reset-title = اختر كلمة مرور جديدة
reset-submit = اعتماد كلمة المرور الجديدة
reset-sent = إذا كان الحساب موجودًا فقد أُرسل رمز إعادة التعيين إلى صاحبه.
reset-done = تم تغيير كلمة المرور. سجّل الدخول بها.
reset-invalid = رمز إعادة التعيين غير صحيح أو منتهي الصلاحية.
reset-weak = يجب أن تتكون كلمة المرور الجديدة من ١٢ حرفًا على الأقل.

account-title = الإعدادات
totp-heading = تطبيق المصادقة
totp-enrolled-yes = يستخدم حسابك تطبيق مصادقة لرموز التحقق.
totp-enrolled-no = تُرسل إليك رموز التحقق. لاستخدام تطبيق مصادقة بدلًا من ذلك، امسح هذا الرمز وأكّد بالرمز الذي يظهره.
totp-scan = امسح الرمز بتطبيق المصادقة
totp-key = أو اكتب هذا المفتاح
totp-confirm = تأكيد وتفعيل
totp-enrolled = تم تفعيل تطبيق المصادقة لحسابك.
totp-wrong = الرمز غير مطابق. امسح رمز QR مجددًا وحاول ثانية.

home-title = الصفحة الرئيسية
home-greeting = أهلًا بك، { $name }.
home-you-can = ما يمكنك القيام به هنا
home-counts = المنصة
can-grants-all = إدارة صلاحيات جميع الجهات المالكة للبيانات
can-grants-own = تحديد الجهات المستفيدة التي ترى جداول جهتك وأعمدتها
can-users = إدارة الجهات والمستخدمين وعملاء الواجهات البرمجية
can-clients = إدارة عملاء الواجهات البرمجية لجهتك
can-audit = مراجعة سجل التدقيق
can-audit-all = مراجعة سجل التدقيق كاملًا وتقرير الاطلاع لكل مواطن
can-queries = بناء استعلامات على البيانات الممنوحة لجهتك وحفظها كواجهات برمجية
can-procedures = صيانة الإجراءات المحفوظة لجهتك
can-lookup = البحث عن شخص بالرقم الوطني
can-run = تشغيل إجراءات جهتك
count-registries = السجلات
count-tables = الجداول
count-procedures = إجراءات جهتك
count-persons = الأشخاص
contact-text = للمساعدة في منصة السجل الوطني الموحد تواصل مع مكتب خدمة المنصة عن طريق مدير جهتك.
contact-desk = مكتب خدمة المنصة:
contact-your-admin = للحصول على صلاحية على البيانات أو حساب جديد، اسأل مدير كيانك ({ $entity }).

columns-title = صلاحيات أعمدة الجداول
columns-caption = { PLURAL($rows) ->
        [zero] لا أعمدة
        [one] عمود واحد
        [two] عمودان
        [few] { $rows } أعمدة
        [many] { $rows } عمودًا
       *[other] { $rows } عمود
    } — الصفحة { $page } من { $pages }
tables-caption = { PLURAL($rows) ->
        [zero] لا جداول
        [one] جدول واحد
        [two] جدولان
        [few] { $rows } جداول
        [many] { $rows } جدولًا
       *[other] { $rows } جدول
    } — الصفحة { $page } من { $pages }
operations-caption = { PLURAL($rows) ->
        [zero] لا عمليات
        [one] عملية واحدة
        [two] عمليتان
        [few] { $rows } عمليات
        [many] { $rows } عملية
       *[other] { $rows } عملية
    } — الصفحة { $page } من { $pages }
outputs-caption = { PLURAL($rows) ->
        [zero] لا خصائص مخرجات
        [one] خاصية مخرجات واحدة
        [two] خاصيتا مخرجات
        [few] { $rows } خصائص مخرجات
        [many] { $rows } خاصية مخرجات
       *[other] { $rows } خاصية مخرجات
    } — الصفحة { $page } من { $pages }
security-own-tables = أعمدة جداولك
columns-updated = { PLURAL($count) ->
        [zero] تم الحفظ: لا تغييرات.
        [one] تم الحفظ: تغيير واحد.
        [two] تم الحفظ: تغييران.
        [few] تم الحفظ: { $count } تغييرات.
        [many] تم الحفظ: { $count } تغييرًا.
       *[other] تم الحفظ: { $count } تغيير.
    }
col-table = الجدول
col-column = العمود
grant = منح
filter-table = الجدول
filter-entity = الجهة المستفيدة
filter-all = الكل
filter-apply = تصفية
paging = الصفحات
filter-search = البحث في الصفوف
page-prev-saving = حفظ ثم الصفحة السابقة
page-next-saving = حفظ ثم الصفحة التالية
grant-cell-added = مُنح: { $target } إلى { $entity }
grant-cell-removed = سُحب: { $target } من { $entity }
page-prev = السابق
page-next = التالي
update = تحديث

queries-title = استعلامات الجهة
query-tables = الجداول
query-choose-table = اختر جدولًا.
query-conditions = الشروط
check-all = تحديد الكل
uncheck-all = إلغاء تحديد الكل
add-parameter = إضافة معامل جديد
condition-column = العمود
condition-op = العامل
condition-value = القيمة
condition-value-hint = فارغة: معامل للواجهة
rows-limit = حد الصفوف
generate-sql = توليد استعلام SQL
run = تشغيل
save-query = حفظ الاستعلام
update-query = تحديث الاستعلام
procedure-name = اسم الإجراء
procedure-description = الوصف
procedure-saved = حُفظ باسم { $name } الإصدار { $version }:
query-no-tables = لم يُمنح كيانك أي جدول بعد، فلا يوجد ما يُستعلم عنه هنا. يمنح أمين السجل الجداول والأعمدة من شاشة الأمان؛ ويدير المدير العام المنصة ولا يقرأ بيانات السجلات.
query-remove-table = إزالة { $table } من الاستعلام
query-join = طريقة ربط { $table } بالجدول الأول على الرقم الوطني
join-left = ربط خارجي يساري (كل من في الجدول الأول)
join-inner = ربط داخلي (من لهم سجلات هنا فقط)
query-kept-tree = كُتبت هذه الشروط شجرةً (بـ «أو» أو بتداخل) وتُحفظ كما هي؛ والصفوف أدناه تضاف إليها بـ «و».
condition-param = اسم المعامل (أو أسماؤه)
condition-remove = إزالة هذا الشرط
query-parameters = معاملات الواجهة
query-parameters-intro = يعطي مستدعي الواجهة المحفوظة هذه القيم؛ اكتب قيمًا تجريبية لتجربة الاستعلام هنا.
param-list = قائمة
param-sample = قيمة تجريبية لـ { $param }
param-description = وصف { $param }
query-order = الترتيب
order-column = الترتيب حسب
order-direction = الاتجاه
order-asc = تصاعدي
order-desc = تنازلي
order-remove = إزالة هذا الترتيب
order-add = إضافة ترتيب
on-revoke = عند سحب صلاحية
on-revoke-refuse = رفض الاستدعاء
on-revoke-drop = حذف العمود من النتيجة
query-details = التفاصيل
query-run-needs-samples = اكتب قيمة تجريبية لكل معامل لتجربة الاستعلام: { $params }.
query-unknown-op = لا يوجد عامل باسم { $op }.
query-sql-generated = أُنشئ نص SQL.
query-executed = نُفّذ الاستعلام بنجاح
query-rows-in = { PLURAL($count) ->
        [zero] لا صفوف في { $ms } ملي ثانية
        [one] صف واحد في { $ms } ملي ثانية
        [two] صفان في { $ms } ملي ثانية
        [few] { $count } صفوف في { $ms } ملي ثانية
        [many] { $count } صفًا في { $ms } ملي ثانية
       *[other] { $count } صف في { $ms } ملي ثانية
    }
query-capped = كان حد الصفوف أعلى من الحد الأقصى للمنصة فخُفّض إلى { $limit }.
select-clause = جملة الاختيار (Select)
where-clause = جملة الشرط (Where)
sql-as-run = النص كما يُنفّذ على { $dialect }
messages = الرسائل
procedure-missing = لا يوجد إجراء باسم { $name } في كيانك.
procedure-unchanged = لم يتغير شيء: يبقى { $name } على الإصدار { $version }.
procedure-confirm-version = يوجد إجراء باسم { $name } (الإصدار { $version }، حفظه { $by }). الحفظ يُنشئ الإصدار { $next }، وتجيب واجهته بهذا الاستعلام من بعدها.
procedure-changed-since = تغيّر منذ أن فتحت الإصدار { $version }: راجع سجل إصداراته أدناه قبل استبداله.
procedure-save-as = حفظ كإصدار { $version }
procedure-versions = الإصدارات
version = الإصدار
saved-by = حفظه
saved-at = وقت الحفظ
what-changed = ما الذي تغيّر
change-first = الإصدار الأول
change-none = الاستعلام نفسه
change-spec = الاستعلام (تعذّرت قراءته)
change-table-added = أُضيف الجدول { $table }
change-table-removed = أُزيل الجدول { $table }
change-join = طريقة ربط { $table }
change-column-added = أُضيف العمود { $column }
change-column-removed = أُزيل العمود { $column }
change-conditions = الشروط
change-param-added = أُضيف المعامل { $param }
change-param-removed = أُزيل المعامل { $param }
change-order = الترتيب
change-limit = حد الصفوف { $from } ← { $to }
change-on-revoke = ما يحدث عند سحب صلاحية
change-description = الوصف
results = النتائج
export-csv = تصدير CSV
export-xlsx = تصدير Excel (XLSX)
result-gone = لم تعد هذه النتيجة محفوظة (تُحفظ النتائج نصف ساعة). شغّل الاستعلام مرة أخرى.
op-eq = يساوي
op-ne = لا يساوي
op-lt = أقل من
op-le = على الأكثر
op-gt = أكبر من
op-ge = على الأقل
op-between = بين
op-in = أحد القيم
op-starts_with = يبدأ بـ
op-like = يشبه (% _)
op-is_null = فارغ
op-is_not_null = غير فارغ
saved-procedures = الإجراءات المحفوظة
no-procedures = لا توجد إجراءات بعد.
results-count = { PLURAL($count) ->
        [zero] النتائج: لا صفوف
        [one] النتائج: صف واحد
        [two] النتائج: صفان
        [few] النتائج: { $count } صفوف
        [many] النتائج: { $count } صفًا
       *[other] النتائج: { $count } صف
    }
copy = نسخ

error-title-forbidden = غير مسموح
error-title-not-found = الصفحة غير موجودة
error-title-too-large = كبير جدًا
error-title-busy = النظام مشغول
error-title-refused = لم يُنفّذ
error-title-internal = حدث خطأ
error-code = رمز الخطأ
error-forbidden-page = دورك لا يفتح هذه الصفحة. تعرض القائمة الصفحات المتاحة لك.
error-csrf = انتهت صلاحية هذا النموذج. ارجع وأعد تحميل الصفحة ثم حاول مجددًا.
error-forbidden = غير مسموح لك بهذا الإجراء.
error-signed-out = انتهت جلستك. سجّل الدخول مجددًا.
error-too-large = النموذج كبير جدًا.

operations-title = صلاحيات عمليات الخدمات الحكومية
outputs-title = صلاحيات مخرجات عمليات الخدمات الحكومية
tables-title = صلاحيات الجداول
col-custodian = الاسم المختصر للجهة
col-service = اسم الخدمة
col-operation = اسم العملية
col-property = اسم الخاصية
col-registry = السجل
filter-operation = عملية الخدمة
filter-show = الجهات المعروضة
check-column = تحديد كل الصفوف للجهة { $entity }
error-not-found = لا توجد صفحة بهذا العنوان.

menu-persons = البحث عن شخص
menu-audit = سجل التدقيق
persons-title = البحث عن شخص
label-national-number = الرقم الوطني
search = بحث
person-not-found = لا يوجد شخص أو سجل مرئي لجهتك بهذا الرقم الوطني.
no-entity-data = حسابك لا يتبع أي جهة: لا يطّلع على بيانات السجلات إلا جهةٌ، وفق صلاحياتها.
person-heading = الشخص
record-as-of = حتى { $at } ({ $source })
registry-custodian = لدى { $entity }
household-heading = الأسرة (القيد المدني)
household-members = الأفراد: { $count }
audit-title = سجل التدقيق
audit-caption = الأحدث أولًا، ٥٠ في كل صفحة
audit-seq = الرقم
audit-time = الوقت ({ $zone })
audit-actor = المنفّذ
audit-action = الإجراء
audit-target = الهدف
audit-purpose = الغرض
audit-persons = الأشخاص
audit-outcome = النتيجة
audit-from = من
audit-to = إلى
access-report = تقرير اطلاع المواطن
access-report-empty = لم تطّلع أي جهة على بيانات هذا الشخص.

catalog-title = الجهات والفهرس
users-title = المستخدمون
clients-title = عملاء الواجهات البرمجية
entities-heading = الجهات
tables-heading = السجلات والجداول والأعمدة
col-code = الرمز
col-name = الاسم
col-label = التسمية
col-type = النوع
col-status = الحالة
col-actions = الإجراءات
status-active = فعّال
status-disabled = معطّل
status-revoked = ملغى
user-create = إنشاء مستخدم
user-contact = الهاتف أو البريد الإلكتروني للرموز
user-enable = تفعيل
user-disable = تعطيل
user-reset-factor = إعادة تعيين عامل التحقق الثاني
user-invalid = تحقق من اسم المستخدم (٣–٤٠ حرفًا أو رقمًا أو _ . -) ومن الجهة.
user-exists = اسم المستخدم مستخدم مسبقًا.
user-created = تم إنشاء المستخدم { $username }. كلمة مروره الأولى، تظهر الآن فقط: { $password }
user-changed = تم الحفظ للمستخدم { $username }.
client-id = معرّف العميل
client-create = إنشاء عميل واجهة برمجية
client-allow = العناوين المسموح بها (اختياري)
confirm-title = تأكيد
cancel = إلغاء
confirm-client-revoke = إلغاء العميل { $id }؟ تتوقف رموزه عن العمل فورًا ولا يمكن استخدامه مرة أخرى؛ ولا يمكن التراجع عن ذلك.
confirm-client-rotate = تغيير السر للعميل { $id }؟ يتوقف السر الحالي عن العمل فورًا؛ ويُعرض السر الجديد مرة واحدة.
confirm-user-disable = تعطيل { $username }؟ يُخرج من النظام ولا يستطيع الدخول حتى يعيد مدير تفعيله.
confirm-user-reset_factor = إعادة تعيين العامل الثاني لـ { $username }؟ يتوقف تطبيق المصادقة لديه؛ ويدخل برمز يُرسل إليه حتى يسجّل من جديد.
client-rotate = تجديد السر
client-revoke = إلغاء
client-secret-once = العميل { $id } — سرّه يظهر الآن فقط: { $secret }
client-revoked = تم إلغاء العميل { $id }.
menu-procedures = الإجراءات
procedures-title = الإجراءات
entity-title = إعدادات الجهة ومصادر البيانات
entity-purpose-required = يجب أن يذكر كل طلب بيانات من هذه الجهة الغرض منه
entity-access-withheld = استثناء اطلاعات هذه الجهة من تقارير اطلاع المواطنين (لمدير النظام فقط)
entity-saved = تم حفظ إعدادات الجهة.
menu-freshness = حداثة البيانات
freshness-title = حداثة مصادر التغييرات
freshness-intro-all = كل مصدر تغييرات يغذي المستودع: متى وقع آخر تغيير لدى المصدر، وكم تأخر وصوله، وما طُبّق، وما جُنّب.
freshness-intro-own = مصادر تغييرات كيانك: متى وقع آخر تغيير لدى المصدر، وكم تأخر وصوله، وما طُبّق، وما جُنّب.
freshness-summary = عدد المصادر: { $sources }؛ المتعثرة: { $failing }؛ التي لها رسائل مُجنّبة: { $dead }.
freshness-applied = المُطبّق / الأحداث
freshness-duplicates = المكرر
freshness-dead = الرسائل المُجنّبة
freshness-failing = متعثر
freshness-stale = لم يُطبّق شيء مؤخرًا
dead-letters-title = الرسائل المُجنّبة من { $source }
dead-letters-intro = تغييرات تعذّر تطبيقها، محفوظة كما وصلت مع السبب، الأحدث أولًا. لم يضع شيء آخر من دفعتها.
dead-letters-none = لا توجد رسائل مُجنّبة.
dead-letter-reason = السبب
dead-letter-position = الموضع لدى المصدر
dead-letter-payload = التغيير كما وصل
sources-heading = مصادر التغييرات (حداثة البيانات)
sources-none = لا توجد مصادر تغييرات لهذه الجهة.
source-last-event = آخر تغيير في المصدر
source-lag = التأخر
source-counts = الأحداث / المطبّقة / المرفوضة
source-counts-value = { $events } / { $applied } / { $dead }
source-lag-value = { PLURAL($ms) ->
        [zero] أقل من ملّي ثانية
        [one] ملّي ثانية واحدة
        [two] ملّي ثانيتان
        [few] { $ms } ملّي ثوانٍ
        [many] { $ms } ملّي ثانية
       *[other] { $ms } ملّي ثانية
    }
source-applied-ago = { PLURAL($seconds) ->
        [zero] طُبّق قبل أقل من ثانية
        [one] طُبّق قبل ثانية واحدة
        [two] طُبّق قبل ثانيتين
        [few] طُبّق قبل { $seconds } ثوانٍ
        [many] طُبّق قبل { $seconds } ثانية
       *[other] طُبّق قبل { $seconds } ثانية
    }
source-waiting = بانتظار التغييرات

## السجل الاجتماعي (الطلبات)
menu-sp = السجل الاجتماعي
sp-title = السجل الاجتماعي
sp-new = طلب جديد
sp-applications = الطلبات، الأحدث أولاً
sp-application = الطلب
sp-draft = مسودة
sp-status-draft = مسودة
sp-status-submitted = مقدَّم
sp-col-application = الطلب
sp-col-household = الأسرة
sp-col-status = الحالة
sp-col-channel = القناة
sp-col-updated = آخر تعديل
sp-col-finding = الملاحظة
sp-col-member = الفرد
sp-col-source = المصدر
sp-col-records = السجلات
sp-col-declared = المصرح به
sp-col-registry = في السجل
sp-col-as-of = تاريخ التحميل
sp-yes = نعم
sp-no = لا
sp-save = حفظ المسودة
sp-submit = تقديم الطلب والتحقق منه
sp-add-member = إضافة فرد
sp-open = حُفظت المسودة. ما زال مطلوباً قبل التقديم:
sp-refused = رُفضت بعض الإجابات ولم يُقدَّم الطلب. صحّحها ثم قدّمه من جديد.
sp-verification = التحقق من السجلات
sp-members-verified = { PLURAL($count) ->
    [zero] لم يُتحقق من أي فرد
    [one] تم التحقق من فرد واحد
    [two] تم التحقق من فردين
    [few] تم التحقق من { $count } أفراد
    [many] تم التحقق من { $count } فرداً
   *[other] تم التحقق من { $count } فرد
}
sp-formal-income = الدخل المنظم الموثق (دينار شهرياً)
sp-no-discrepancy = الإجابات مطابقة لما في السجلات.
sp-discrepancies = الاختلافات
sp-answers = الإجابات
sp-channel-citizen = المواطن
sp-channel-caseworker = الباحث الاجتماعي
sp-channel-import = استيراد
sp-kind-vehicles = مركبات غير مصرح بها
sp-kind-land = أراض غير مصرح بها
sp-kind-business = أعمال غير مصرح بها
sp-kind-formal_income = دخل منظم أقل من المسجل
sp-kind-current_aid = معونة قائمة غير مصرح بها
sp-kind-not_in_booklet = فرد من دفتر عائلة آخر
sp-kind-identity = لم يعد التحقق قائماً
sp-not-program-entity = يتولى الطلبات الباحثون الاجتماعيون في { $entity } التي يخدم السجل الاجتماعي برامجه.
role-citizen = مواطن
citizen-title = السجل الاجتماعي — دخول المواطن
citizen-intro = تقدّم بطلب الدعم الاجتماعي لأسرتك بنفسك. ادخل برقمك الوطني ورقم بطاقتك الشخصية، ثم يُرسل رمز إلى رقم الهاتف المحمول المسجّل لك لدى دائرة الأحوال المدنية والجوازات.
label-card-number = رقم البطاقة الشخصية
citizen-submit = متابعة
citizen-officers = موظفو الجهات الحكومية: الدخول من هنا
citizen-for-citizens = المواطنون المتقدمون للدعم الاجتماعي: الدخول بالرقم الوطني
citizen-invalid = الرقم الوطني ورقم البطاقة لا يطابقان بطاقة سارية.
citizen-locked = تم إيقاف الدخول مؤقتاً بعد محاولات فاشلة متكررة. حاول لاحقاً، أو راجع أحد مكاتب صندوق المعونة الوطنية.
citizen-no-mobile = لا يوجد رقم هاتف محمول مسجّل لك لدى دائرة الأحوال المدنية والجوازات، فلا يمكن إرسال الرمز. حدّث عنوانك في مكتب الأحوال المدنية، أو قدّم طلبك في أحد مكاتب صندوق المعونة الوطنية.
citizen-code-hint = تم إرسال رمز من ستة أرقام إلى هاتفك المحمول المنتهي بـ { $mobile }، وهو صالح لبضع دقائق.
citizen-home = أسرتي
citizen-name = الاسم
citizen-booklet = دفتر العائلة (رقم القيد المدني)
citizen-mobile = رقم الهاتف المحمول المسجّل
citizen-how = طلب واحد يخدم جميع برامج الدعم الاجتماعي. تُطابق إجاباتك مع السجلات الحكومية، وحيث تختلف يُظهر الطلب ما وُجد.
citizen-start = ابدأ طلباً
citizen-continue = تابع مسودتك
citizen-none = لا يوجد طلب لأسرتك بعد.
citizen-applications = طلبات أسرتك
citizen-access = من اطّلع على بياناتي
citizen-access-intro = كل مرة قرأت فيها جهة حكومية بياناتك عبر المنصة، الأحدث أولاً، مع الغرض الذي ذكرته.
citizen-access-caption = الاطلاع على بياناتك
citizen-access-empty = لم تطّلع أي جهة على بياناتك عبر المنصة.
citizen-access-seen = ما الذي اطُّلع عليه
purpose-none = لم يُذكر
access-action-query-run = استعلام
access-action-procedure-call = خدمة (واجهة برمجية)
access-action-operation-call = عملية خدمة
access-action-person-lookup = البحث عن شخص
access-action-sp-verify = السجل الاجتماعي: التحقق من طلب
access-action-sp-facts = السجل الاجتماعي: ملف الأسرة
access-action-person-search = بحث (تبادل البيانات بين السجلات)
access-action-dci-partner-search = استفسار من سجل شريك
access-action-data-export = تصدير إلى ملف
sp-member-field = { $field }، الفرد { $n }
purpose-label = الغرض من هذا الاطلاع (رقم القضية أو السبب، ويُعرض على المواطن)
purpose-label-required = الغرض من هذا الاطلاع (يطلبه كيانك؛ ويُعرض على المواطن)
purpose-required = يطلب كيانك ذكر الغرض من كل اطلاع على بيانات شخصية: اذكر سبب حاجتك إليها (رقم قضية أو سبب).
purpose-too-long = لا يتجاوز الغرض { $max } حرفًا.
purpose-intake-verification = التحقق من طلب بمطابقته مع السجلات
purpose-household-facts = ملف الأسرة لبرامج الدعم الاجتماعي
sp-no-application = لا يوجد طلب بهذا الرقم.

## البرامج والاستهداف
menu-programs = البرامج
sp-programs = البرامج
sp-programs-intro = يقرر كل برنامج من سجل الأسرة نفسه: يجب أن تتحقق شروط الشمول جميعها، وألا يتحقق أي شرط استبعاد؛ ثم تُرتَّب الأسر المؤهلة من الأفقر إلى الأقل فقراً ويُقتطع منها بحسب الحصة والموازنة.
sp-program = البرنامج
sp-col-program = البرنامج
sp-col-owner = الجهة المالكة
sp-col-version = الإصدار
sp-col-latest-run = أحدث تشغيل
sp-draft-version = مسودة الإصدار { $v }
sp-no-run = لم يُشغَّل بعد
sp-version-draft = مسودة
sp-version-published = منشور
sp-benefit = المنفعة
sp-fils = (فلس لكل دورة)
sp-quota = الحصة (أسر)
sp-quota-share = الحصة (نسبة من جميع الأسر)
sp-budget = الموازنة لكل دورة
sp-budget-jod = الموازنة (دينار لكل دورة)
sp-publish-version = نشر الإصدار { $v }
sp-rules = الشروط
sp-rules-caption = الشروط: عدّل شرطاً واضغط «احسب» لترى عدد الأسر التي سيقبلها البرنامج الآن
sp-col-kind = النوع
sp-col-rule = الشرط
sp-col-cel = التعبير (CEL)
sp-rule-inclusion = يجب أن يتحقق
sp-rule-exclusion = يستبعد
sp-count = احسب
sp-save-draft = احفظ كمسودة جديدة
sp-simulation = محاكاة (لم يتغير شيء)
sp-would-admit = { PLURAL($n) ->
    [zero] لن يقبل البرنامج أي أسرة الآن.
    [one] سيقبل البرنامج أسرة واحدة الآن.
    [two] سيقبل البرنامج أسرتين الآن.
    [few] سيقبل البرنامج { $n } أسر الآن.
    [many] سيقبل البرنامج { $n } أسرة الآن.
   *[other] سيقبل البرنامج { $n } أسرة الآن.
}
sp-errors-count = أسر تعذر البت في أمرها: { $n }.
sp-simulate = المحاكاة أو التشغيل
sp-simulate-button = محاكاة
sp-run-button = شغّل واحفظ
sp-latest-run = أحدث تشغيل
sp-run-meta = البرنامج { $program }، النموذج { $model }، الحقائق بتاريخ { $at }.
sp-run-by = شغّله { $by } في { $at }.
sp-versions = الإصدارات
sp-selected = المختارة
sp-eligible-households = أسرة مؤهلة
sp-individuals = الأفراد في الأسر المختارة
sp-cost = الكلفة لكل دورة
sp-stopped-by = انتهى الاختيار بسبب
sp-stopped-eligible = اختيار جميع الأسر المؤهلة
sp-stopped-quota = الحصة
sp-stopped-budget = الموازنة
sp-cutoff = درجة القطع
sp-jod-pc = دينار للفرد شهرياً
sp-inclusion-error = خطأ الشمول (مختارة وليست فقيرة)
sp-exclusion-error = خطأ الاستبعاد (فقيرة ولم تُختر)
sp-truth-of = (الحقيقة معروفة لـ { $n } أسرة)
sp-by-governorate = المختارة من جميع الأسر، حسب المحافظة
sp-by-head-sex = المختارة من جميع الأسر، حسب جنس رب الأسرة
sp-by-decile = المختارة من جميع الأسر، حسب عُشير الدرجة
sp-head-male = رب أسرة ذكر
sp-head-female = ربة أسرة
sp-decile = العُشير { $n }
sp-jod = دينار
sp-run = تشغيل الاستهداف
sp-ranked = الأسر المؤهلة من الأفقر (عند تساوي الدرجة: الأسرة الأكبر أولاً، ثم بالرقم)
sp-col-rank = الترتيب
sp-col-score = الدرجة
sp-col-members = الأفراد
sp-col-governorate = المحافظة
sp-col-benefit = المنفعة
sp-col-selected = مختارة
sp-waitlisted = بالانتظار
sp-pages = الصفحات
sp-previous = السابق
sp-next = التالي
sp-decisions = القرارات الخاصة بأسرة
sp-household-of = الأسرة { $id }.
sp-applied = تقدمت بطلب: تُستخدم إجاباتها والسجلات.
sp-not-applied = لم تتقدم بطلب: تُستخدم السجلات وحدها.
sp-score = الدرجة
sp-score-is = الدرجة { $score }: استهلاك متوقع قدره { $jod } دينار للفرد شهرياً، مقابل خط فقر قدره { $line } دينار.
sp-model-variant = النموذج { $v }، الصيغة { $variant }.
sp-contributions = ما كوّن الدرجة: قيمة كل حد ومساهمته
sp-col-term = الحد
sp-col-value = القيمة
sp-col-contribution = المساهمة
sp-total = المجموع (الدرجة)
sp-no-score = لا درجة لهذه الأسرة.
sp-state-selected = مختارة
sp-state-waitlisted = مؤهلة، دون درجة القطع
sp-state-not_eligible = غير مؤهلة
sp-state-no_run = لم يُشغَّل الاستهداف بعد
sp-rank-of = الترتيب { $rank } من { $eligible } أسرة مؤهلة؛ اختيرت { $selected }.
sp-cutoff-is = درجة القطع { $c }.
sp-benefit-is = المنفعة { $b } لكل دورة.
sp-rule-outcomes = نتيجة كل شرط
sp-col-outcome = النتيجة
sp-holds = يتحقق
sp-fails = لا يتحقق
sp-undecided = تعذر البت
sp-registry-facts = حقائق السجلات المستخدمة
sp-facts-as-of = حُسبت الحقائق في { $at }.
sp-col-fact = الحقيقة
citizen-decisions = القرارات الخاصة بأسرتي
citizen-no-decisions = لا قرارات بشأن أسرتك بعد.
sp-unknown = غير معروفة
sp-new-program = برنامج جديد
sp-new-program-intro = البرنامج هو تعريفه: الأسماء، والجهة المالكة، والفئة المستهدفة، والشروط بلغة CEL على facts.* و hh.* و applied و score.*، والمنفعة بالفلس، والحصة أو الموازنة. إذا حمل رمز برنامج قائم صار إصداره التالي. يُحفظ كمسودة، ويُنشر من صفحته.
sp-definition = التعريف (JSON)
sp-governorate-quotas = الحصص لكل محافظة (أسر)

## Payment cycles, accounts and appeals
menu-cycles = دورات الصرف
menu-appeals = الاعتراضات
error-bad-upload = تعذرت قراءة ملفات النموذج. اختر الملفات من جديد وأرسل النموذج مرة أخرى.
sp-cycles = دورات الصرف
sp-cycles-intro = تصرف الدورة لأسر البرنامج عن شهر واحد: الأسر التي اختارها أحدث تشغيل للاستهداف، والأسر التي ما زالت مسجلة من الدورة السابقة، والأسر التي أدخلها اعتراض مقبول، ويُعاد التحقق من كل منها وفق شروط البرنامج. يعتمد المسودةَ شخصٌ ثانٍ من المسؤولين، وبالاعتماد تُنشأ الدفعات.
sp-cycles-none = لم تُعدّ أي دورة بعد.
sp-cycles-caption = الدورات، الأحدث أولاً
sp-col-cycle = الدورة
sp-period = الشهر
sp-period-hint = (سنة-شهر)
sp-cycle-prepare = إعداد الدورة
sp-col-households = الأسر
sp-col-amount = المبلغ
sp-cycle-state-draft = مسودة
sp-cycle-state-approved = معتمدة
sp-cycle-state-paid = مصروفة (أبلغ عنها مزودو الدفع)
sp-cycle-state-closed = مغلقة
sp-cycle-title = الدورة { $id }
sp-cycle-done-created = أُعدّت الدورة كمسودة. راجع أسرها، ثم اطلب من شخص ثانٍ اعتمادها.
sp-cycle-done-approved = اعتُمدت الدورة وأُنشئت دفعاتها. نزّل ملفات الدفع أدناه.
sp-cycle-done-closed = أُغلقت الدورة.
sp-cycle-done-member = تغيّر وضع الأسرة في الدورة.
sp-cycle-previous = الدورة السابقة
sp-cycle-first = لا يوجد: هذه أول دورة للبرنامج
sp-cycle-when-prepared = الإعداد
sp-cycle-when-approved = الاعتماد
sp-cycle-when-paid = الإبلاغ عن الصرف
sp-cycle-when-closed = الإغلاق
sp-by-at = { $by }، { $at }
sp-individuals-enrolled = الأفراد في الأسر المسجلة
sp-accounts-from-intake = حسابات أُخذت من الطلبات
sp-carried = دفعات مرفوضة أُعيد صرفها
sp-carried-is = تعيد هذه الدورة أيضاً صرف { $amount } رُفضت في دورات سابقة، بعد أن صُحّحت الحسابات.
sp-over-budget = مبلغ الدورة يتجاوز موازنة البرنامج: لا يمكن اعتمادها كما هي.
sp-approve-who = يعتمد الدورةَ شخصٌ ثانٍ: مسؤول في { $entity } غير { $by } الذي أعدّها. يُتحقق أولاً من الوفيات المسجلة منذ إعدادها.
sp-approve = اعتماد الدورة وإنشاء الدفعات
sp-close = إغلاق الدورة
sp-cycle-figures = الأرقام
sp-figures-csv = تنزيل بصيغة CSV
sp-chart-households-governorate = الأسر المسجلة حسب المحافظة
sp-chart-amounts-governorate = المبالغ حسب المحافظة
sp-chart-households-sex = الأسر المسجلة حسب جنس رب الأسرة
sp-chart-amounts-sex = المبالغ حسب جنس رب الأسرة
sp-chart-turnover = الدخول والخروج منذ الدورة السابقة
sp-chart-payments = الدفعات حسب الحالة (العدد — المبلغ)
sp-entered = دخلت
sp-left = خرجت
sp-pay-pending = قيد الانتظار
sp-pay-accepted = مصروفة
sp-pay-rejected = مرفوضة
sp-pay-returned = مُعادة
sp-cycle-states = الأسر حسب وضعها في الدورة
sp-cycle-states-caption = الأسر في كل وضع: اختر وضعاً لعرض أسره
sp-membership-enrolled = مسجلة (يُصرف لها)
sp-membership-paused = موقوفة مؤقتاً
sp-membership-exited = خرجت من البرنامج
sp-membership-not_eligible = لم تعد مؤهلة
sp-membership-duplicate = مكررة
sp-cycle-members = الأسر
sp-members-of = { $state }: { $n }
sp-col-reason = السبب
sp-col-beneficiary = المستفيد
sp-col-entitlement = الاستحقاق
sp-member-change = تغيير
sp-member-new-state = الوضع الجديد للأسرة { $household }
sp-member-note = السبب (ملاحظة) للأسرة { $household }
sp-member-set-paused = إيقاف مؤقت
sp-member-set-exited = إخراج من البرنامج
sp-member-set-enrolled = استئناف (تسجيل)
sp-why-run = اختارها تشغيل الاستهداف { $run }.
sp-why-continuing = ما زالت في البرنامج من الدورة السابقة.
sp-why-appeal = بقرار الاعتراض { $appeal }.
sp-why-rules = لم تعد شروط البرنامج متحققة: { $rules }.
sp-why-died = توفي المستفيد في { $date }.
sp-why-no-account = لا حساب مسجلاً للمستفيد: يُستأنف الصرف عند تقديم حساب.
sp-why-account-rejected = رفض مزود الدفع الدفعة { $payment } إلى هذا الحساب: يُستأنف الصرف عند تغيير الحساب.
sp-why-no-beneficiary = لم يُعثر على مستفيد (رب دفتر العائلة).
sp-why-no-facts = لا حقائق من السجلات لهذه الأسرة بعد.
sp-why-payee-of = مستفيدها يُصرف له من قبل من خلال الأسرة { $household }.
sp-why-account-of = حسابها يُصرف إليه من قبل من خلال الأسرة { $household }.
sp-why-caseworker = قرار باحث اجتماعي: { $note }
sp-why-error = تعذر تطبيق شروط البرنامج: { $detail }
sp-files-after-approval = تُنشأ ملفات الدفع بعد اعتماد الدورة.
sp-payment-files = ملفات الدفع
sp-payment-files-caption = ملف لكل بنك أو مزود محفظة إلكترونية
sp-col-provider = المزود
sp-col-payments = الدفعات
sp-col-files = الملفات
sp-file-pain001 = pain.001 (XML)
sp-file-csv = CSV
sp-rejections-of-program = الدفعات المرفوضة لهذا البرنامج
sp-statuses = تقرير حالة من مزود الدفع
sp-status-file = ملف تقرير الحالة (pain.002 أو CSV)
sp-status-format = الصيغة
sp-format-pain002 = ISO 20022 pain.002 (XML)
sp-format-csv = CSV (بأعمدة المرجع والحالة والسبب)
sp-reconcile = استيراد الحالات
sp-reconciled = استُورد تقرير الحالة { $report } للدورة { $cycle }.
sp-reconciled-counts = مصروفة: { $accepted }. مرفوضة: { $rejected }. مُعادة: { $returned }. على حالها من قبل: { $unchanged }. ما زالت قيد الانتظار: { $pending }.
sp-rejections = الدفعات المرفوضة
sp-rejections-intro = دفعات رفضها بنك أو مزود محفظة إلكترونية أو أعادها، ولم يُعد صرفها بعد. متى تغيّر حساب المستفيد، أعادت الدورة المعتمدة التالية للبرنامج صرفها.
sp-show = عرض
sp-rejections-none = لا دفعات مرفوضة بانتظار إعادة الصرف.
sp-rejections-caption = الدفعات المنتظرة: { $n }
sp-col-payment = الدفعة
sp-col-account-fixed = الحساب
sp-account-fixed = تغيّر منذ ذلك: يُعاد صرفها في الدورة التالية.
sp-account-not-fixed = لم يتغير بعد.
sp-fix-account = تغييره
sp-pay-why-none = لم يُذكر سبب.
sp-pay-why-other = سبب المزود: { $reason }
sp-pay-why-ac01 = رقم الحساب خاطئ.
sp-pay-why-ac03 = رقم الحساب غير صالح لدى البنك.
sp-pay-why-ac04 = الحساب مغلق.
sp-pay-why-ac06 = الحساب محجوز.
sp-pay-why-ag01 = لا يسمح البنك بهذه الدفعة إلى هذا الحساب.
sp-pay-why-am04 = تعذرت تغطية الدفعة.
sp-pay-why-am05 = أُرسلت الدفعة مرتين.
sp-pay-why-be01 = الاسم لا يطابق اسم صاحب الحساب.
sp-pay-why-md07 = صاحب الحساب متوفى.
sp-pay-why-rc01 = معرّف البنك خاطئ.
sp-accounts-title = حسابات الصرف
sp-accounts-of = أين تُصرف منافع صاحب الرقم الوطني { $nn }: الحساب الفعّال، ثم الحسابات السابقة.
sp-accounts-caption = الحسابات
sp-account-none = لا حساب مسجلاً.
sp-col-account = الحساب
sp-col-changed-by = سجّله
sp-account-kind-bank = حساب بنكي
sp-account-kind-ewallet = محفظة إلكترونية
sp-account-active = فعّال
sp-account-ended = انتهى في { $at }
sp-account-source-intake = من الطلب
sp-account-source-provider-file = من ملف مزود
sp-account-source-beneficiary = من المستفيد
sp-account-source-caseworker = من باحث اجتماعي
sp-account-change = تغيير الحساب
sp-account-change-intro = يحل الحساب الجديد محل الحساب الفعّال اعتباراً من الدورة المعتمدة التالية، وتبقى الحسابات السابقة في السجل.
sp-account-bank = حساب بنكي
sp-iban = رقم الآيبان (IBAN)
sp-iban-hint = (يبدأ بـ JO ويليه ٢٨ حرفاً ورقماً؛ المسافات مسموحة)
sp-account-save = حفظ هذا الحساب
sp-account-wallet = محفظة إلكترونية
sp-wallet-provider = مزود المحفظة الإلكترونية
sp-wallet-mobile = رقم الهاتف المحمول للمحفظة
sp-wallet-mobile-hint = (07 ثم ثمانية أرقام، أو +9627 ثم ثمانية أرقام)
sp-account-saved = حُفظ الحساب.
sp-appeals = الاعتراضات
sp-appeal = اعتراض
sp-appeals-tabs = أي الاعتراضات
sp-appeals-tab-open = المفتوحة، حسب الموعد النهائي
sp-appeals-tab-overdue = المتأخرة
sp-appeals-tab-all = الكل
sp-appeals-tab-submitted = المقدَّمة
sp-appeals-tab-under_review = قيد المراجعة
sp-appeals-tab-upheld = المرفوضة (بقي القرار)
sp-appeals-tab-overturned = المقبولة (أُلغي القرار)
sp-appeals-none = لا اعتراضات هنا.
sp-appeal-submitted = التقديم
sp-appeal-due = يُبتّ فيه قبل
sp-appeal-overdue = متأخر
sp-appeal-decision = القرار المعترض عليه
sp-appeal-by-citizen = من المواطن
sp-appeal-by-caseworker = من باحث اجتماعي
sp-appeal-state-submitted = مقدَّم
sp-appeal-state-under_review = قيد المراجعة
sp-appeal-state-upheld = مرفوض (يبقى القرار)
sp-appeal-state-overturned = مقبول (أُلغي القرار)
sp-appeal-title = الاعتراض { $id }
sp-appeal-explanation = شرحه
sp-appeal-decided = البت
sp-appeal-applied = طُبّق في الدورة
sp-appeal-reason-given = السبب المقدَّم
sp-appeal-documents-sent = الوثائق
sp-appeal-no-documents = لم تُرسل وثائق.
sp-bytes = بايت
sp-appeal-steps = الخطوات
sp-col-officer = الموظف
sp-col-note = الملاحظة
sp-col-at = الوقت
sp-appeal-next = الخطوة التالية
sp-appeal-next-state = يصبح الاعتراض
sp-appeal-to-under_review = قيد المراجعة
sp-appeal-to-upheld = مرفوضاً: يبقى القرار
sp-appeal-to-overturned = مقبولاً: يُلغى القرار اعتباراً من الدورة التالية للبرنامج
sp-appeal-note = الملاحظة (مطلوبة: ما الذي جرى التحقق منه ولماذا)
sp-appeal-record = تسجيل الخطوة
sp-appeal-done-filed = قُدّم الاعتراض، وسيُبتّ فيه قبل الموعد المبيّن.
sp-appeal-done-step = سُجّلت الخطوة.
sp-appeal-already = يوجد اعتراض على هذا القرار حالته: { $state }؛ يُبتّ فيه قبل { $due }.
sp-appeal-this = الاعتراض على هذا القرار
sp-appeal-reason = لماذا هذا القرار خاطئ؟ (مطلوب)
sp-appeal-documents = الوثائق (اختيارية: حتى ٣ ملفات PDF أو JPEG أو PNG، لا يزيد كل منها على ٢ ميغابايت)
sp-appeal-send = إرسال الاعتراض
citizen-programs = قرارات البرامج بشأن أسرتك
citizen-decision-selected = { $program }: اختيرت أسرتك.
citizen-decision-waitlisted = { $program }: أسرتك مؤهلة، لكنها حالياً دون درجة القطع للأسر المختارة (على قائمة الانتظار).
citizen-decision-not_eligible = { $program }: أسرتك غير مؤهلة.
citizen-decision-no_run = { $program }: لا قرار بعد.
citizen-benefit = المنفعة { $amount } شهرياً.
citizen-why = لماذا؟
citizen-payments = الدفعات المستلمة
citizen-payments-none = لم تُصرف أي دفعة لأسرتك بعد.
citizen-payments-caption = الدفعات، الأحدث أولاً
citizen-paid-again-in = أُعيد صرفها في الدورة { $cycle }.
citizen-paid-next-cycle = تغيّر الحساب منذ ذلك: سيُعاد صرفها في الدورة التالية.
citizen-paid-when-fixed = سيُعاد صرفها حين يُصحَّح الحساب.
citizen-cycles = أسرتك في دورات الصرف
citizen-cycles-caption = دورة كل شهر، ولماذا لأسرتك وضعها فيها
citizen-account = الحساب الذي تُصرف إليه الدفعات
citizen-account-none = لا حساب مسجلاً بعد.
citizen-account-change = تغيير الحساب
citizen-account-head-only = تُصرف الدفعات إلى حساب المستفيد في الأسرة (رب دفتر العائلة)، وهو وحده من يستطيع تغييره.
citizen-account-intro = تُصرف دفعات أسرتك إلى هذا الحساب. يُستخدم الحساب الجديد اعتباراً من دورة الصرف التالية.
citizen-account-saved = حُفظ الحساب، ويُستخدم اعتباراً من دورة الصرف التالية.
citizen-appeals = اعتراضاتك
citizen-appeals-none = لم تعترض على أي قرار.
citizen-appeal-how = للاعتراض على قرار، افتحه في صفحة
sp-refused-bad-period = الشهر غير صالح: اكتبه بالصيغة سنة-شهر، مثل 2026-12.
sp-refused-cycle-exists = للبرنامج دورة لهذا الشهر من قبل.
sp-refused-later-cycle = للبرنامج دورة لشهر لاحق: تسير الدورات إلى الأمام شهراً بعد شهر.
sp-refused-draft-open = للبرنامج دورة ما زالت مسودة: اعتمدها قبل إعداد التالية.
sp-refused-no-run = لم يُشغَّل الاستهداف لهذا البرنامج بعد لتُسجَّل منه الأسر.
sp-refused-no-model = لم يُنشر نموذج اختبار الوسائل بالوكالة بعد.
sp-refused-no-program = لا يوجد برنامج منشور بهذا الرمز.
sp-refused-no-cycle = لا توجد دورة كهذه.
sp-refused-payee-not-granted = الجهة المسؤولة عن البرامج غير ممنوحة أعمدة السجلات التي تحتاجها الدفعة (رب دفتر العائلة، الأسماء، الوفيات).
sp-refused-not-approver = لا يعتمد الدورة إلا مسؤول في الجهة المسؤولة عن البرامج.
sp-refused-approver-prepared = أنت من أعدّ هذه الدورة: يعتمدها شخص ثانٍ، مسؤول آخر.
sp-refused-not-draft = لا تُغيَّر الدورة ولا تُعتمد إلا وهي مسودة.
sp-refused-budget-exceeded = ستصرف الدورة أكثر من موازنة البرنامج.
sp-refused-not-paid = تُغلق الدورة بعد أن يبلغ مزودو الدفع عن دفعاتها.
sp-refused-bad-state = لا توجد حالة كهذه.
sp-refused-note-required = اذكر السبب: الملاحظة مطلوبة.
sp-refused-not-in-cycle = هذه الأسرة ليست في الدورة.
sp-refused-not-resumable = لا يُستأنف الصرف إلا لأسرة موقوفة مؤقتاً.
sp-refused-no-account = لا حساب مسجلاً للمستفيد.
sp-refused-not-approved = تُنشأ ملفات الدفع من دورة معتمدة.
sp-refused-no-payments = لا دفعات لهذا المزود في هذه الدورة.
sp-refused-bad-format = هذه الصيغة ليست مما تقرؤه البوابة.
sp-refused-no-file = اختر ملفاً.
sp-refused-report-imported = استُورد تقرير الحالة هذا من قبل.
sp-refused-unknown-file = التقرير لا يخص ملف دفع صادراً عن نور.
sp-refused-empty-report = لا يذكر تقرير الحالة أي دفعة.
sp-refused-unknown-payments = يذكر التقرير دفعات ليست من نور؛ لم يتغير شيء.
sp-refused-mixed-cycles = يذكر التقرير دفعات من عدة دورات؛ لم يتغير شيء.
sp-refused-count-mismatch = عدد المعاملات في التقرير لا يطابق حالاته؛ لم يتغير شيء.
sp-refused-total-mismatch = المجموع الضابط في التقرير لا يطابق دفعاته؛ لم يتغير شيء.
sp-refused-amount-mismatch = يذكر التقرير لدفعة مبلغاً مختلفاً؛ لم يتغير شيء.
sp-refused-status-conflict = يناقض التقرير حالة مسجلة من قبل؛ لم يتغير شيء.
sp-refused-cycle-not-open = تُستورد الحالات لدورة معتمدة أو مصروفة.
sp-refused-status-not-xml = الملف ليس XML؛ لم يتغير شيء.
sp-refused-status-not-pain002 = الملف ليس تقرير حالة دفع pain.002؛ لم يتغير شيء.
sp-refused-status-truncated = التقرير مبتور؛ لم يتغير شيء.
sp-refused-status-header = السطر الأول من ملف الحالات بصيغة CSV هو end_to_end_id,status,reason؛ لم يتغير شيء.
sp-refused-status-csv = تعذرت قراءة ملف CSV؛ لم يتغير شيء.
sp-refused-status-unknown = في التقرير حالة لا تعرفها البوابة؛ لم يتغير شيء.
sp-refused-iban-malformed = رقم الآيبان غير صحيح الشكل: يبدأ بـ JO ورقمَي تحقق.
sp-refused-iban-length = عدد خانات رقم الآيبان غير صحيح: للآيبان الأردني ٣٠ خانة.
sp-refused-iban-check = رقما التحقق في الآيبان لا يطابقان: في الرقم خانة مكتوبة خطأ.
sp-refused-iban-country = لا يُصرف إلا إلى حسابات في بنوك الأردن.
sp-refused-iban-bank = بنك هذا الآيبان ليس من البنوك التي يُصرف إليها.
sp-refused-wallet-mobile = رقم الهاتف ليس رقم هاتف محمول أردنياً (07 ثم ثمانية أرقام).
sp-refused-wallet-provider = اختر أحد مزودي المحافظ الإلكترونية المذكورين.
sp-refused-bad-kind = اختر حساباً بنكياً أو محفظة إلكترونية.
sp-refused-account-held = هذا الحساب مستخدم لشخص آخر.
sp-refused-not-own-account = لا يمكنك أن تغيّر إلا حسابك.
sp-refused-not-payee = لا يغيّر مكان صرف دفعات الأسرة إلا المستفيد فيها.
sp-refused-invalid-national-number = الرقم الوطني غير صالح.
sp-refused-reason-required = اذكر لماذا القرار خاطئ.
sp-refused-reason-too-long = السبب أطول مما يجوز: ٤٬٠٠٠ حرف على الأكثر.
sp-refused-too-many-documents = لا يُرسل أكثر من ٣ وثائق.
sp-refused-bad-document = كل وثيقة ملف PDF أو JPEG أو PNG لا يزيد على ٢ ميغابايت.
sp-refused-no-decision = لا قرار لهذا البرنامج بشأن الأسرة يُعترض عليه.
sp-refused-appeal-open = ما زال اعتراض على هذا القرار مفتوحاً.
sp-refused-no-appeal = لا يوجد اعتراض كهذا.
sp-refused-no-document = لا توجد وثيقة كهذه.
sp-refused-bad-step = لا يمكن أن ينتقل الاعتراض إلى هذه الخطوة من حالته.
sp-refused-own-appeal = أنت من قدّم هذا الاعتراض: يبتّ فيه موظف آخر.
sp-refused-officer-only = يراجع الاعتراضَ ويبتّ فيه موظف مسمّى.
sp-refused-auditor-reads-only = المدقق لا يغيّر شيئاً.
sp-refused-no-household = لا يضعك السجل المدني في أي أسرة.

## أسباب رفض استعلام أو استدعاء
why-spec-unreadable = تعذّرت قراءة مواصفة الاستعلام.
why-spec-version = الإصدار { $version } من مواصفة الاستعلام غير مدعوم؛ هذا النظام يقرأ الإصدار { $supported }.
why-no-tables = اختر جدولاً واحداً على الأقل.
why-too-many-tables = يربط الاستعلام { $max } جداول على الأكثر.
why-unknown-table = لا يوجد جدول { $table } في الفهرس.
why-table-twice = الجدول { $table } مختار مرتين.
why-table-not-granted = الجدول { $table } غير ممنوح لـ { $entity }.
why-first-table-joined = الجدول الأول ({ $table }) لا يُربط؛ الربط للجداول التي بعده.
why-join-column-not-granted = ربط { $table } يحتاج أن يُمنح عموده { $column } لـ { $entity }.
why-unknown-column = ليس في الجدول { $table } عمود { $column }.
why-column-twice = العمود { $column } مختار مرتين.
why-column-not-granted = العمود { $column } غير ممنوح لـ { $entity }.
why-no-columns = اختر عموداً واحداً على الأقل.
why-no-columns-granted = لم يعد أي من الأعمدة المختارة ممنوحاً لـ { $entity } ({ $columns }).
why-parameter-name-invalid = اسم المعامل { $param } غير صالح: حرف لاتيني أولاً، ثم حروف أو أرقام أو _.
why-parameter-declared-twice = المعامل { $param } معرّف مرتين.
why-parameter-unused = المعامل { $param } معرّف ولا يستخدمه أي شرط.
why-order-column-not-granted = العمود { $column } (في الترتيب) غير ممنوح لـ { $entity }.
why-limit-zero = يجب ألا يقل حد الصفوف عن ١.
why-too-many-literals = تحمل الشروط { $count } قيمة، والحد { $max } في الاستعلام الواحد.
why-table-not-in-query = العمود { $column } يسمّي الجدول { $table }، وهو ليس من جداول الاستعلام.
why-no-such-column-in-query = لا يوجد في جداول الاستعلام عمود { $column }.
why-column-ambiguous = العمود { $column } موجود في أكثر من جدول في الاستعلام؛ اكتبه مسبوقاً باسم جدوله ونقطة.
why-nesting-too-deep = تتداخل الشروط أعمق من { $max } مستويات.
why-empty-group = مجموعة «و» أو «أو» تحمل شرطاً واحداً على الأقل.
why-too-many-conditions = يحمل الاستعلام { $max } شرطاً على الأكثر.
why-condition-column-not-granted = العمود { $column } (في شرط) غير ممنوح لـ { $entity }.
why-one-of-param-params-value = الشرط على { $condition } ({ $operator }): أعطِ واحداً فقط من معامل أو معاملات أو قيمة.
why-list-parameter-alone = الشرط على { $condition } ({ $operator }): معامل القائمة { $param } يُعطى وحده.
why-too-many-list-values = الشرط على { $condition } ({ $operator }): { $max } قيمة على الأكثر.
why-takes-no-operand = الشرط على { $condition } ({ $operator }): هذا الاختبار لا يأخذ قيمة.
why-between-operands = الشرط على { $condition } ({ $operator }): «بين» تأخذ قيمتين، الدنيا والعليا.
why-in-operands = الشرط على { $condition } ({ $operator }): أعطِ معامل قائمة أو عدة معاملات أو قائمة قيم.
why-list-parameter-only-in = الشرط على { $condition } ({ $operator }): معامل القائمة لا يكون إلا مع «أحد».
why-one-operand = الشرط على { $condition } ({ $operator }): يأخذ قيمة واحدة بالضبط، وأُعطي { $count }.
why-text-only-operator = الشرط على { $condition }: { $operator } للأعمدة النصية فقط.
why-parameter-undeclared = الشرط على { $condition } ({ $operator }): المعامل { $param } غير معرّف.
why-parameter-type-mismatch = الشرط على { $condition } ({ $operator }): المعامل { $param } من نوع { $param_type } والعمود من نوع { $column_type }.
why-value-invalid = الشرط على { $condition } ({ $operator }): { $value } ليست قيمة صالحة من نوع { $value_type }.
why-parameter-unknown = لا يوجد معامل باسم { $param }.
why-parameter-required = المعامل { $param } مطلوب.
why-parameter-list-size = المعامل { $param } يأخذ من ١ إلى { $max } قيمة.
why-parameter-value-invalid = المعامل { $param }: { $value } ليست قيمة صالحة من نوع { $value_type }.
why-too-many-bound = يربط الاستدعاء { $count } قيمة، والحد { $max } في الاستعلام الواحد (استخدم قيماً أو شروطاً أقل).
why-invalid-name = الاسم غير صالح: حرف لاتيني أولاً، ثم حروف أو أرقام أو _ (٦٣ على الأكثر).
why-unknown-entity = لا توجد جهة بهذا الرمز.
why-procedure-not-found = لا يوجد إجراء بهذا الاسم.
why-not-owner = تشغّل الجهة إجراءاتها وتغيّرها هي فقط.
why-parameter-twice = المعامل { $param } مُعطى مرتين.

## أنواع الأعمدة
type-national-number = رقم وطني (١٠ خانات)
type-personal-id = رقم شخصي
type-civil-record-id = رقم قيد مدني
type-text = نص
type-integer = عدد صحيح
type-decimal = عدد عشري
type-date = تاريخ (سنة-شهر-يوم)
type-boolean = نعم أو لا

## إجراءات التدقيق ونتائجها
action-account-create = إنشاء حساب
action-account-disable = تعطيل حساب
action-account-enable = تفعيل حساب
action-account-locked = قفل حساب بعد محاولات دخول فاشلة
action-account-reset-factor = إعادة ضبط العامل الثاني
action-account-totp-enrolled = تسجيل تطبيق المصادقة
action-api-refused = رفض طلب واجهة برمجية
action-audit-export = تصدير سجل التدقيق
action-citizen-locked = قفل دخول مواطن
action-citizen-login = دخول مواطن
action-citizen-login-code-sent = إرسال رمز دخول لمواطن
action-citizen-login-failed = فشل دخول مواطن
action-citizen-login-resend = إعادة إرسال رمز الدخول
action-citizen-logout = خروج مواطن
action-client-create = إنشاء عميل واجهة برمجية
action-client-revoke = إلغاء عميل واجهة برمجية
action-client-rotate = تغيير سر عميل واجهة برمجية
action-client-token = إصدار رمز وصول
action-data-export = تصدير بيانات إلى ملف
action-dci-partner-put = ضبط سجل شريك
action-dci-partner-remove = حذف سجل شريك
action-dci-partner-search = استعلام من سجل شريك
action-dci-partner-subscribe = اشتراك في أحداث سجل شريك
action-dci-sender-register = تسجيل مُرسِل للتشغيل البيني
action-dci-subscribe = اشتراك في أحداث السجل
action-dci-unsubscribe = إنهاء اشتراك
action-entity-settings = تغيير إعدادات الجهة
action-grant = منح صلاحية
action-ingest-events = استلام تغييرات
action-keys-rotate = تغيير مفاتيح التوقيع
action-login = دخول
action-login-failed = فشل الدخول
action-login-resend = إعادة إرسال رمز الدخول
action-logout = خروج
action-operation-call = استدعاء عملية خدمة
action-password-reset = إعادة تعيين كلمة المرور
action-password-reset-requested = طلب إعادة تعيين كلمة المرور
action-person-access-report = الاطلاع على تقرير الوصول
action-person-lookup = البحث عن شخص
action-person-search = بحث في السجل (التشغيل البيني)
action-portal-refused = رفض صفحة في البوابة
action-procedure-call = استدعاء خدمة (واجهة برمجية)
action-procedure-delete = حذف خدمة
action-procedure-save = حفظ خدمة
action-query-run = تشغيل استعلام
action-revoke = سحب صلاحية
action-source-add = إضافة مصدر تغييرات
action-source-remove = حذف مصدر تغييرات
action-sp-account-set = تحديد حساب الدفع
action-sp-appeal-step = خطوة في تظلّم
action-sp-appeal-submit = تقديم تظلّم
action-sp-application-create = بدء طلب
action-sp-application-submit = تقديم طلب
action-sp-application-update = تحديث طلب
action-sp-citizen-benefits = اطلاع مواطن على منافعه
action-sp-cycle-approve = اعتماد دورة دفع
action-sp-cycle-close = إغلاق دورة دفع
action-sp-cycle-create = إنشاء دورة دفع
action-sp-cycle-deaths = التحقق من الوفيات قبل الدفع
action-sp-cycle-member = إيقاف مستفيد أو إطلاقه
action-sp-cycle-payees = عرض المستفيدين
action-sp-decision = قرار أهلية
action-sp-decisions = الاطلاع على القرارات
action-sp-facts = الاطلاع على ملف الأسرة
action-sp-payments-export = تصدير ملف الدفع
action-sp-payments-reconcile = مطابقة المدفوعات
action-sp-pmt-publish = نشر معادلة الترتيب
action-sp-program-publish = نشر برنامج
action-sp-program-save = حفظ برنامج
action-sp-reverify = إعادة التحقق من طلب
action-sp-score = احتساب درجة أسرة
action-sp-target-run = تشغيل الاستهداف
action-sp-target-simulate = محاكاة الاستهداف
action-sp-truth-import = استيراد نتائج المسح
action-sp-verify = التحقق من طلب مقابل السجلات
action-upstream-register = تسجيل خدمة حية
outcome-ok = تم
outcome-refused = رُفض
outcome-failed = فشل
audit-any-action = أي إجراء
status-authenticator = تطبيق مصادقة
qr-label = رمز الاستجابة السريعة لمفتاح المصادقة
sp-rule-unevaluable = لا يمكن تطبيق القاعدة على بيانات هذه الأسرة (قيمة تحتاجها ناقصة أو من نوع آخر).
sp-variant-answers = من إجابات الأسرة
sp-variant-registries = من السجلات
purpose-decisions = شرح قرارات الأسرة

## رفض حالات الاستخدام (حسب الرمز)
why-account-exists = يوجد حساب بهذا الاسم.
why-account-not-found = لا يوجد حساب بهذا الاسم.
why-address-not-allowed = لا يُسمح لهذا العميل بالاتصال من هذا العنوان.
why-answers-too-large = الإجابات أكبر من المسموح.
why-auditor-entity = المدقق لا ينتمي إلى جهة: يطّلع على السجل كله.
why-bad-csv = الملف ليس ملف CSV مقروءاً.
why-batch-size = عدد الأحداث في الطلب الواحد أكثر أو أقل من المسموح.
why-budget-fits-none = الميزانية لا تغطي منفعة أسرة واحدة.
why-citizen-unknown = لم يعد السجل المدني يضم هذا الشخص.
why-client-not-found = لا يوجد عميل واجهة برمجية بهذا المعرّف.
why-client-revoked = عميل الواجهة البرمجية هذا ملغى.
why-draft-changed = تغيّرت المسودة في الأثناء؛ افتحها من جديد.
why-duplicate-status = لدفعة واحدة حالتان في التقرير؛ لم يتغير شيء.
why-invalid = ما أُرسل غير صالح.
why-invalid-allowlist = قائمة العناوين المسموح بها غير صالحة.
why-invalid-answers = بعض الإجابات مرفوضة؛ انظر كل حقل.
why-invalid-civil-record-id = رقم القيد المدني غير صالح.
why-invalid-header = أحد ترويسات الطلب أطول من المسموح.
why-invalid-parameter = قيمة مُعطاة غير صالحة لهذه العملية.
why-invalid-public-key = المفتاح العام غير صالح.
why-invalid-scheme = مخطط التوقيع غير معروف.
why-invalid-sender-id = معرّف المُرسِل غير صالح.
why-invalid-source = إعدادات مصدر التغييرات غير صالحة.
why-invalid-timeout = مهلة الانتظار ليست عدداً موجباً من أجزاء الثانية.
why-invalid-url = يجب أن يبدأ العنوان بـ http:// أو https://.
why-invalid-username = اسم المستخدم غير صالح: من ٣ إلى ٤٠ حرفاً لاتينياً أو رقماً أو _ أو . أو -، يبدأ بحرف.
why-malformed-json = محتوى الطلب ليس بصيغة JSON المتوقعة.
why-member-in-another-application = أحد الأفراد مسجّل في طلب آخر.
why-model-invalid = معادلة الترتيب غير صالحة.
why-negative = أحد الأعداد أقل من صفر.
why-no-application = لا يوجد طلب بهذا الرقم.
why-no-entity = لا تطّلع على بيانات السجلات إلا جهة، وفق صلاحياتها.
why-no-partner = لا يوجد سجل شريك بهذا الاسم.
why-no-reference = أحد الأسطر بلا مرجع.
why-no-rule = ليس في البرنامج قاعدة بهذا الاسم.
why-no-subscription = لا يوجد اشتراك كهذا.
why-not-a-citizen = هذا ليس دخول مواطن.
why-not-a-client = هذه الرسالة لا تأتي من عميل واجهة برمجية.
why-not-a-dci-sender = هذا العميل غير مسجّل كمُرسِل للتشغيل البيني.
why-not-a-draft = لا يُغيَّر أو يُقدَّم إلا طلب في حالة المسودة.
why-not-admin = لا يقوم بهذا إلا مدير.
why-not-an-http-source = هذا المصدر لا يستقبل التغييرات عبر HTTP.
why-not-auditor = لا يتحقق من سجل التدقيق إلا المنصة ومدققوها.
why-not-custodian-admin = لا يمنح هذا أو يسحبه إلا مدير الجهة المالكة للبيانات.
why-not-entity-admin = لا يقوم بهذا إلا مدير الجهة (أو مدير النظام).
why-not-found = لم يُعثر عليه.
why-not-granted = هذا غير ممنوح لجهتك.
why-not-json = السطر ليس كائن JSON.
why-not-own-household = لا يصل المواطن إلا إلى طلبات دفتر عائلته.
why-not-own-report = لا يطّلع المواطن إلا على تقرير الوصول الخاص به.
why-not-program-entity = جهتك لا تدير برامج الدعم الاجتماعي.
why-not-program-owner = لا يغيّر البرنامج إلا الجهة المالكة له.
why-not-super-admin = لا ينشئ مدير النظام إلا مدير النظام.
why-not-your-account-to-change = لا يحق لك تغيير هذا الحساب.
why-officer-required = سمِّ الموظف الذي يُجرى هذا الاستدعاء لأجله.
why-officer-unknown = الموظف المذكور ليس موظفاً مفعّلاً في الجهة.
why-officers-only = يدير البرامجَ الموظفون.
why-one-program = تُغيَّر القواعد لبرنامج واحد في كل مرة.
why-operation-not-found = لا توجد عملية كهذه.
why-operator-only = لا يبدأ هذا التشغيل إلا مشغّل النظام.
why-other-entity = ينشئ مدير الجهة حسابات جهته فقط.
why-out-of-order = الأحداث ليست بترتيب المصدر.
why-partner-refused = رفض السجل الشريك.
why-partner-unreachable = لا يمكن الوصول إلى السجلات الشريكة من هنا.
why-program-invalid = تعريف البرنامج غير صالح.
why-public-key-required = الشريك الذي يوقّع يحتاج إلى حفظ مفتاحه العام.
why-purpose-required = تشترط جهتك ذكر الغرض من كل اطلاع على البيانات.
why-simulate-only = القواعد المعدّلة تُحاكى فقط؛ انشر إصداراً جديداً من البرنامج لتشغيلها.
why-slow-down = طلبات كثيرة من هذا العنوان؛ انتظر ثم أعد المحاولة.
why-source-not-found = ليس لجهتك مصدر بهذا الاسم.
why-super-admin-only = لا يقوم بهذا إلا مدير النظام.
why-truth-invalid = نتائج المسح غير صالحة.
why-unknown-form = هذا السجل يأخذ إصداراً آخر من الاستمارة.
why-unknown-service = لا توجد خدمة كهذه في الفهرس.
why-unknown-target = لا يوجد جدول أو عمود أو عملية أو خاصية كهذه.
why-unreadable-input = تعذّرت قراءة الملف.
why-upstream-not-registered = لا يوجد عنوان مسجّل تجيب عليه هذه الخدمة.
why-verification-failed = تعذّر التحقق من بعض الأفراد مقابل السجلات.
why-verification-not-granted = السجل الاجتماعي غير ممنوح السجل المدني: لا يمكن التحقق من الأفراد.
