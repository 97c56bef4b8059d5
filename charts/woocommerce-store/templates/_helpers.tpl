{{/*
The store id. Required; the schema checks its form, this catches an empty value.
*/}}
{{- define "wc.storeName" -}}
{{- required "store.name is required: the store id (lowercase letters, digits and '-', starting with a letter, at most 30 characters)" .Values.store.name -}}
{{- end -}}

{{/* Prefix of every object name. */}}
{{- define "wc.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "wc.plan" -}}
{{- $plan := index .Values.plans .Values.store.plan -}}
{{- if not $plan -}}
{{- fail (printf "store.plan %q has no entry under plans" .Values.store.plan) -}}
{{- end -}}
{{- toYaml $plan -}}
{{- end -}}

{{/* Labels that never change for the life of the store (selectors, volumeClaimTemplates). */}}
{{- define "wc.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "wc.stableLabels" -}}
{{ include "wc.selectorLabels" . }}
app.kubernetes.io/part-of: stores-for-backstage
app.kubernetes.io/managed-by: {{ .Release.Service }}
stores.backstage.io/store: {{ include "wc.storeName" . }}
stores.backstage.io/engine: woocommerce
backstage.io/kubernetes-id: {{ include "wc.storeName" . }}
{{- end -}}

{{/*
All labels. Extra labels (store.labels, store.owner) are merged first so the chart's own keys win.
*/}}
{{- define "wc.labels" -}}
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
{{- $labels = merge (include "wc.stableLabels" . | fromYaml) $labels -}}
{{- toYaml $labels -}}
{{- end -}}

{{- define "wc.host" -}}
{{- if .Values.ingress.host -}}
{{- .Values.ingress.host -}}
{{- else -}}
{{- printf "%s.%s" (include "wc.storeName" .) .Values.ingress.baseDomain -}}
{{- end -}}
{{- end -}}

{{- define "wc.url" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) (include "wc.host" .) -}}
{{- end -}}

{{- define "wc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "wc.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
A generated secret value, kept across upgrades: the value already stored in the cluster if there
is one (lookup), else a fresh random one. Returns base64.
Call: include "wc.secretValue" (dict "ctx" $ "secret" "<name>" "key" "<key>" "length" 32)
*/}}
{{- define "wc.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}

{{/* Port Apache listens on in the WordPress container: unprivileged, so no capability is needed. */}}
{{- define "wc.httpPort" -}}8080{{- end -}}

{{- define "wc.mysqlSecret" -}}{{ include "wc.fullname" . }}-mysql{{- end -}}
{{- define "wc.keysSecret" -}}{{ include "wc.fullname" . }}-wordpress-keys{{- end -}}
{{- define "wc.adminSecret" -}}{{ include "wc.fullname" . }}-admin{{- end -}}

{{- define "wc.wpSaltNames" -}}
AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT
{{- end -}}

{{/* Environment shared by every container that loads wp-config.php. */}}
{{- define "wc.wordpressEnv" -}}
- name: WORDPRESS_DB_HOST
  value: {{ include "wc.fullname" . }}-mysql:3306
- name: WORDPRESS_DB_NAME
  value: {{ .Values.mysql.database | quote }}
- name: WORDPRESS_DB_USER
  value: {{ .Values.mysql.user | quote }}
- name: WORDPRESS_DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "wc.mysqlSecret" . }}
      key: mysql-password
{{- range (splitList " " (include "wc.wpSaltNames" .)) }}
- name: WORDPRESS_{{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ include "wc.keysSecret" $ }}
      key: {{ . }}
{{- end }}
- name: WORDPRESS_CONFIG_EXTRA
  value: {{ .Values.wordpress.configExtra | quote }}
{{- end -}}

{{/* Container securityContext shared by all containers. Arg: readOnly bool. */}}
{{- define "wc.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
runAsNonRoot: true
readOnlyRootFilesystem: {{ . }}
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "wc.scheduling" -}}
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

{{- define "wc.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
