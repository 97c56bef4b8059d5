{{/*
The store id. Required; the schema checks its form, this catches an empty value.
*/}}
{{- define "md.storeName" -}}
{{- required "store.name is required: the store id (lowercase letters, digits and '-', starting with a letter, at most 30 characters)" .Values.store.name -}}
{{- end -}}

{{/* Prefix of every object name. */}}
{{- define "md.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "md.plan" -}}
{{- $plan := index .Values.plans .Values.store.plan -}}
{{- if not $plan -}}
{{- fail (printf "store.plan %q has no entry under plans" .Values.store.plan) -}}
{{- end -}}
{{- toYaml $plan -}}
{{- end -}}

{{/* Labels that never change for the life of the store (selectors, volumeClaimTemplates). */}}
{{- define "md.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "md.stableLabels" -}}
{{ include "md.selectorLabels" . }}
app.kubernetes.io/part-of: stores-for-backstage
app.kubernetes.io/managed-by: {{ .Release.Service }}
stores.backstage.io/store: {{ include "md.storeName" . }}
stores.backstage.io/engine: medusa
backstage.io/kubernetes-id: {{ include "md.storeName" . }}
{{- end -}}

{{/*
All labels. Extra labels (store.labels, store.owner) are merged first so the chart's own keys win.
*/}}
{{- define "md.labels" -}}
{{- $labels := dict -}}
{{- range $k, $v := .Values.store.labels -}}
{{- $_ := set $labels $k (toString $v) -}}
{{- end -}}
{{- with .Values.store.owner -}}
{{- /* an entity ref such as group:default/team-a becomes the label value group-default-team-a */ -}}
{{- $_ := set $labels "stores.backstage.io/owner" (regexReplaceAll "[^A-Za-z0-9_.-]+" (toString .) "-" | trunc 63 | trimAll "-_.") -}}
{{- end -}}
{{- $_ := set $labels "helm.sh/chart" (printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_") -}}
{{- $_ := set $labels "app.kubernetes.io/version" .Chart.AppVersion -}}
{{- $_ := set $labels "stores.backstage.io/plan" .Values.store.plan -}}
{{- $labels = merge (include "md.stableLabels" . | fromYaml) $labels -}}
{{- toYaml $labels -}}
{{- end -}}

{{- define "md.host" -}}
{{- if .Values.ingress.host -}}
{{- .Values.ingress.host -}}
{{- else -}}
{{- printf "%s.%s" (include "md.storeName" .) .Values.ingress.baseDomain -}}
{{- end -}}
{{- end -}}

{{- define "md.url" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) (include "md.host" .) -}}
{{- end -}}

{{- define "md.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "md.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
A generated secret value, kept across upgrades: the value already stored in the cluster if there
is one (lookup), else a fresh random one. Returns base64.
Call: include "md.secretValue" (dict "ctx" $ "secret" "<name>" "key" "<key>" "length" 32)
*/}}
{{- define "md.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}

{{- define "md.appSecret" -}}{{ include "md.fullname" . }}-medusa{{- end -}}
{{- define "md.adminSecret" -}}{{ include "md.fullname" . }}-admin{{- end -}}

{{- define "md.adminEmail" -}}
{{- default (printf "admin@%s" (include "md.host" .)) .Values.store.adminEmail -}}
{{- end -}}

{{/* Connection settings shared by the server, its init container and the migrations Job. */}}
{{- define "md.connectionEnv" -}}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "md.appSecret" . }}
      key: postgres-password
- name: DATABASE_URL
  value: postgres://{{ .Values.postgres.user }}:$(POSTGRES_PASSWORD)@{{ include "md.fullname" . }}-postgres:5432/{{ .Values.postgres.database }}?sslmode=disable
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "md.appSecret" . }}
      key: redis-password
- name: REDIS_URL
  value: redis://:$(REDIS_PASSWORD)@{{ include "md.fullname" . }}-redis:6379
{{- end -}}

{{/* Full Medusa environment (server and migrations Job). */}}
{{- define "md.medusaEnv" -}}
{{- $url := include "md.url" . -}}
- name: NODE_ENV
  value: production
- name: HOME
  value: /tmp
- name: PORT
  value: "9000"
{{ include "md.connectionEnv" . }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "md.appSecret" . }}
      key: jwt-secret
- name: COOKIE_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "md.appSecret" . }}
      key: cookie-secret
- name: STORE_CORS
  value: {{ join "," (prepend .Values.medusa.extraCors.store $url) | quote }}
- name: ADMIN_CORS
  value: {{ join "," (prepend .Values.medusa.extraCors.admin $url) | quote }}
- name: AUTH_CORS
  value: {{ join "," (prepend .Values.medusa.extraCors.auth $url) | quote }}
- name: MEDUSA_WORKER_MODE
  value: {{ .Values.medusa.workerMode | quote }}
{{- range .Values.medusa.extraEnv }}
{{- if and (hasKey . "value") (regexMatch "(?i)(password|secret|token|_key$)" .name) }}
{{- fail (printf "medusa.extraEnv %s: a secret must not be passed as a literal value; reference a Secret with valueFrom.secretKeyRef" .name) }}
{{- end }}
{{- end }}
{{- with .Values.medusa.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Container securityContext shared by all containers. Arg: readOnly bool. */}}
{{- define "md.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
runAsNonRoot: true
readOnlyRootFilesystem: {{ . }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "md.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "md.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
