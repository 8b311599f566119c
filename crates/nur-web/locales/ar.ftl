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
totp-heading = تطبيق المصادقة (TOTP)
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

columns-title = صلاحيات أعمدة الجداول
columns-caption = { PLURAL($rows) ->
        [zero] لا أعمدة
        [one] عمود واحد
        [two] عمودان
        [few] { $rows } أعمدة
        [many] { $rows } عمودًا
       *[other] { $rows } عمود
    } — الصفحة { $page } من { $pages }
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
page-prev = السابق
page-next = التالي
update = تحديث

queries-title = استعلامات الجهة
query-tables = الجداول
query-choose-table = اختر جدولًا.
query-columns-of = أعمدة { $table }
query-conditions = الشروط
query-run-needs-values = أعطِ كل شرط قيمة لتشغيل الاستعلام؛ الشروط الفارغة تصبح معاملات للواجهة المحفوظة.
check-all = تحديد الكل
uncheck-all = إلغاء تحديد الكل
add-parameter = إضافة معامل جديد
condition-column = العمود
condition-op = العامل
condition-value = القيمة
condition-value-hint = فارغة: معامل للواجهة
rows-limit = حد الصفوف
generate-sql = توليد استعلام SQL
generated-sql = SQL
run = تشغيل
save-query = حفظ الاستعلام
update-query = تحديث الاستعلام
procedure-name = اسم الإجراء
procedure-description = الوصف
procedure-saved = حُفظ باسم { $name } الإصدار { $version }:
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
access-action-query-run = استعلام
access-action-procedure-call = خدمة (واجهة برمجية)
access-action-operation-call = عملية خدمة
access-action-person-lookup = البحث عن شخص
access-action-sp-verify = السجل الاجتماعي: التحقق من طلب
access-action-sp-facts = السجل الاجتماعي: ملف الأسرة
sp-member-field = { $field }، الفرد { $n }
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
